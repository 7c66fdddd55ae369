using System.Security.Cryptography;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Shared Key Message Integrity Code (RFC 7296 §2.15):
/// AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), &lt;SignedOctets&gt; ), where
/// SignedOctets = RealMessage | peer's Nonce data | prf(SK_p, RestOf…IDPayload).
/// </summary>
internal static class PskAuthentication
{
    private static ReadOnlySpan<byte> KeyPad => "Key Pad for IKEv2"u8;

    public static byte[] Compute(Prf prf, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> realMessage, ReadOnlySpan<byte> peerNonce,
        ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idPayloadBody)
    {
        byte[] signed = SignedOctets.Build(prf, realMessage, peerNonce, skP, idPayloadBody);
        byte[] key = prf.Compute(psk, KeyPad);
        byte[] auth = prf.Compute(key, signed);
        CryptographicOperations.ZeroMemory(key);
        return auth;
    }

    public static bool Verify(ReadOnlySpan<byte> received, ReadOnlySpan<byte> expected) =>
        CryptographicOperations.FixedTimeEquals(received, expected);
}

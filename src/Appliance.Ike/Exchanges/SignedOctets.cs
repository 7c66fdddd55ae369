using Appliance.Ike.Crypto;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// What AUTH covers, for PSK and signatures alike (RFC 7296 §2.15):
/// InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI, where MACedIDForI = prf(SK_pi, RestOfInitIDPayload);
/// the responder's is the same with RealMessage2, NonceIData and SK_pr.
/// </summary>
internal static class SignedOctets
{
    public static byte[] Build(Prf prf, ReadOnlySpan<byte> realMessage, ReadOnlySpan<byte> peerNonce,
        ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idPayloadBody)
    {
        byte[] macedId = prf.Compute(skP, idPayloadBody);
        var signed = new byte[realMessage.Length + peerNonce.Length + macedId.Length];
        realMessage.CopyTo(signed);
        peerNonce.CopyTo(signed.AsSpan(realMessage.Length));
        macedId.CopyTo(signed.AsSpan(realMessage.Length + peerNonce.Length));
        return signed;
    }
}

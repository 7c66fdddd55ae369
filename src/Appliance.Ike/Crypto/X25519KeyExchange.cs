using System.Security.Cryptography;
using NSec.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>Curve25519 (RFC 8031): KE data and shared secret are 32-byte little-endian u-coordinates (RFC 7748 §5).</summary>
internal sealed class X25519KeyExchange : KeyExchange
{
    private const int Size = 32;
    private static readonly KeyAgreementAlgorithm Algorithm = KeyAgreementAlgorithm.X25519;
    private readonly Key _key;
    private readonly byte[] _public;

    public X25519KeyExchange(IIkeRandomBytes random) : base(DhGroup.Curve25519)
    {
        // RFC 7748 §5: any 32 bytes are a valid private key (clamping happens inside X25519).
        var scalar = new byte[Size];
        try
        {
            random.Fill(scalar);
            _key = Key.Import(Algorithm, scalar, KeyBlobFormat.RawPrivateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
        _public = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public override ReadOnlyMemory<byte> PublicValue => _public;

    public override int PublicValueLength => Size;

    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        if (peerPublicValue.Length != Size)
            return false;
        if (!PublicKey.TryImport(Algorithm, peerPublicValue, KeyBlobFormat.RawPublicKey, out PublicKey? peer) || peer is null)
            return false;
        // RFC 8031 §2.1 requires rejecting an all-zero result; libsodium refuses it and NSec then returns null.
        using SharedSecret? secret = Algorithm.Agree(_key, peer,
            new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (secret is null)
            return false;
        sharedSecret = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        if (sharedSecret.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            sharedSecret = [];
            return false;
        }
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _key.Dispose();
    }
}

using NSec.Cryptography;

namespace Appliance.Ike;

/// <summary>
/// An Ed25519 private key (RFC 8032) for AUTH by RFC 8420: .NET has no Ed25519, so libsodium (NSec) signs. The key
/// is not exportable; <see cref="PublicKey"/> is the raw 32-byte public key a certificate's SubjectPublicKeyInfo holds.
/// </summary>
public sealed class Ed25519Signer : IDisposable
{
    /// <summary>id-Ed25519 (RFC 8410 §3).</summary>
    public const string Oid = "1.3.101.112";

    private readonly Key _key;

    /// <param name="seed">The 32-byte private key (RFC 8032 §5.1.5), as PKCS#8 carries it (RFC 8410 §7).</param>
    public Ed25519Signer(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
            throw new ArgumentException($"an Ed25519 private key is 32 bytes, not {seed.Length}", nameof(seed));
        _key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public byte[] PublicKey { get; }

    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    /// <summary>Verifies with a raw public key; a key of the wrong size is a failed verification.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out NSec.Cryptography.PublicKey? key)
        && key is not null && SignatureAlgorithm.Ed25519.Verify(key, data, signature);

    public void Dispose() => _key.Dispose();
}

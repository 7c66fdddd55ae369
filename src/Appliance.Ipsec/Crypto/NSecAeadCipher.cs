using NSec.Cryptography;

namespace Appliance.Ipsec.Crypto;

/// <summary>
/// AEAD through libsodium (NSec). NSec writes ciphertext || tag contiguously, which is exactly the
/// ESP layout, and its key handle keeps no per-call state, so no lock is needed.
/// </summary>
internal sealed class NSecAeadCipher : AeadEspCipher
{
    private readonly AeadAlgorithm _algorithm;
    private readonly Key _key;

    public NSecAeadCipher(AeadAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial)
        : base(keyMaterial[^SaltLength..])
    {
        _algorithm = algorithm;
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None };
        _key = Key.Import(algorithm, keyMaterial[..^SaltLength], KeyBlobFormat.RawSymmetricKey, in parameters);
    }

    public override string Provider => "NSec";

    protected override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength) =>
        _algorithm.Encrypt(_key, nonce, aad, textAndTag[..textLength], textAndTag);

    protected override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength) =>
        _algorithm.Decrypt(_key, nonce, aad, textAndTag, textAndTag[..textLength]);

    public override void Dispose() => _key.Dispose();
}

using Appliance.Ike.Crypto;

namespace Appliance.Ike.Exchanges;

/// <summary>Key material sizes per negotiated algorithm.</summary>
internal static class SuiteSizes
{
    /// <summary>Encryption key bytes (0 for AH, RFC 7296 §2.17: its KEYMAT holds integrity keys only) including the AEAD salt (RFC 5282 §7.1 / RFC 4106 §8.1: 4 bytes; RFC 7634 §3: 4 bytes).</summary>
    public static int EncryptionKeyBytes(EncryptionAlgorithm alg, int keyBits) => alg switch
    {
        EncryptionAlgorithm.AesGcm16 => keyBits / 8 + 4,
        EncryptionAlgorithm.ChaCha20Poly1305 => 32 + 4,
        EncryptionAlgorithm.None => 0,
        _ => keyBits / 8,
    };

    /// <summary>Only AEAD ciphers take a salt; AES-CBC and AH (no cipher) take none.</summary>
    public static int SaltBytes(EncryptionAlgorithm alg) => TransformRegistry.IsAead(alg) ? 4 : 0;

    /// <summary>RFC 4868 §2.1: the HMAC key is as long as the hash output.</summary>
    public static int IntegrityKeyBytes(IntegrityAlgorithm alg) => alg switch
    {
        IntegrityAlgorithm.HmacSha1_96 => 20,
        IntegrityAlgorithm.HmacSha256_128 => 32,
        IntegrityAlgorithm.HmacSha384_192 => 48,
        IntegrityAlgorithm.HmacSha512_256 => 64,
        _ => 0,
    };

    public static int EncryptionKeyBits(EncryptionAlgorithm alg, int keyBits) =>
        alg == EncryptionAlgorithm.ChaCha20Poly1305 ? 256 : keyBits;
}

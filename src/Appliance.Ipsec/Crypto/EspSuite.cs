namespace Appliance.Ipsec.Crypto;

/// <summary>The ESP transforms this box speaks (RFC 8221 §5/§6 MUST/SHOULD set).</summary>
public enum EspSuite
{
    /// <summary>ENCR_AES_GCM_16 with a 128-bit key, 8-byte IV, 16-byte ICV (RFC 4106).</summary>
    AesGcm128,
    /// <summary>ENCR_AES_GCM_16 with a 256-bit key (RFC 4106).</summary>
    AesGcm256,
    /// <summary>ENCR_CHACHA20_POLY1305 (RFC 7634).</summary>
    ChaCha20Poly1305,
    /// <summary>ENCR_AES_CBC 128 (RFC 3602) with AUTH_HMAC_SHA2_256_128 (RFC 4868).</summary>
    AesCbc128HmacSha256,
    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_256_128.</summary>
    AesCbc256HmacSha256,
    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA2_384_192.</summary>
    AesCbc128HmacSha384,
    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_384_192.</summary>
    AesCbc256HmacSha384,
    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA2_512_256.</summary>
    AesCbc128HmacSha512,
    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_512_256.</summary>
    AesCbc256HmacSha512,
    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA1_96 (RFC 2404): only for the opt-in weak Windows profile.</summary>
    AesCbc128HmacSha1,
    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA1_96: only for the opt-in weak Windows profile.</summary>
    AesCbc256HmacSha1,
}

/// <summary>Which library performs the AEAD work; chosen once per SA.</summary>
public enum CryptoBackend
{
    /// <summary>The faster supported backend on this machine (see <see cref="EspCipherFactory"/>).</summary>
    Auto,
    /// <summary>libsodium through NSec (AES-256-GCM only with AES-NI on x86-64; ChaCha20-Poly1305 everywhere).</summary>
    NSec,
    /// <summary>.NET System.Security.Cryptography over OpenSSL.</summary>
    DotNet,
}

/// <summary>Static facts about a suite: key material sizes and wire overheads.</summary>
public static class EspSuiteInfo
{
    public static bool IsAead(EspSuite suite) => suite is EspSuite.AesGcm128 or EspSuite.AesGcm256 or EspSuite.ChaCha20Poly1305;

    /// <summary>Cipher key length without the salt.</summary>
    public static int CipherKeyLength(EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 or EspSuite.AesCbc128HmacSha256 or EspSuite.AesCbc128HmacSha384 or EspSuite.AesCbc128HmacSha512
            or EspSuite.AesCbc128HmacSha1 => 16,
        _ => 32,
    };

    /// <summary>Encryption key material negotiated by IKE: AEAD suites append a 4-byte salt (RFC 4106 §8.1, RFC 7634 §2).</summary>
    public static int EncryptionKeyMaterialLength(EspSuite suite) => CipherKeyLength(suite) + (IsAead(suite) ? 4 : 0);

    public static IntegrityAlgorithm? Integrity(EspSuite suite) => suite switch
    {
        EspSuite.AesCbc128HmacSha256 or EspSuite.AesCbc256HmacSha256 => IntegrityAlgorithm.HmacSha256_128,
        EspSuite.AesCbc128HmacSha384 or EspSuite.AesCbc256HmacSha384 => IntegrityAlgorithm.HmacSha384_192,
        EspSuite.AesCbc128HmacSha512 or EspSuite.AesCbc256HmacSha512 => IntegrityAlgorithm.HmacSha512_256,
        EspSuite.AesCbc128HmacSha1 or EspSuite.AesCbc256HmacSha1 => IntegrityAlgorithm.HmacSha1_96,
        _ => null,
    };

    /// <summary>Integrity key length (RFC 4868 §2.1.1: the hash output length); 0 for AEAD suites.</summary>
    public static int IntegrityKeyLength(EspSuite suite) => Integrity(suite) is { } i ? Hmac.KeyLength(i) : 0;

    public static int IvLength(EspSuite suite) => IsAead(suite) ? 8 : 16;

    public static int IcvLength(EspSuite suite) => Integrity(suite) is { } i ? Hmac.IcvLength(i) : 16;

    /// <summary>Alignment of payload + padding + 2 (RFC 4303 §2.4): the cipher block, at least 4 bytes.</summary>
    public static int BlockSize(EspSuite suite) => IsAead(suite) ? 4 : 16;
}

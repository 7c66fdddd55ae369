namespace Appliance.Ike.Crypto;

/// <summary>
/// The algorithms this box implements: strongSwan keywords, IANA IKEv2 transform IDs, strongSwan's
/// display names and key/ICV sizes. Keywords strongSwan knows but we don't implement are absent on
/// purpose, so the parser reports them as unknown instead of negotiating something we can't run.
/// </summary>
public static class TransformRegistry
{
    internal enum KeywordType { Encryption, Prf, Integrity, Dh, Esn }

    internal readonly record struct Keyword(KeywordType Type, EncryptionAlgorithm Encryption = default, int KeyBits = 0,
        PrfAlgorithm Prf = default, IntegrityAlgorithm Integrity = default, DhGroup Dh = default, EsnMode Esn = default);

    private static readonly Dictionary<string, Keyword> Keywords = new(StringComparer.Ordinal)
    {
        ["aes"] = Encr(EncryptionAlgorithm.AesCbc, 128),
        ["aes128"] = Encr(EncryptionAlgorithm.AesCbc, 128),
        ["aes192"] = Encr(EncryptionAlgorithm.AesCbc, 192),
        ["aes256"] = Encr(EncryptionAlgorithm.AesCbc, 256),
        ["aes128gcm16"] = Encr(EncryptionAlgorithm.AesGcm16, 128),
        ["aes128gcm128"] = Encr(EncryptionAlgorithm.AesGcm16, 128),
        ["aes192gcm16"] = Encr(EncryptionAlgorithm.AesGcm16, 192),
        ["aes192gcm128"] = Encr(EncryptionAlgorithm.AesGcm16, 192),
        ["aes256gcm16"] = Encr(EncryptionAlgorithm.AesGcm16, 256),
        ["aes256gcm128"] = Encr(EncryptionAlgorithm.AesGcm16, 256),
        // strongSwan 5.9.8 also takes the bare names and sends the 16-octet-ICV transform for them.
        ["aes128gcm"] = Encr(EncryptionAlgorithm.AesGcm16, 128),
        ["aes192gcm"] = Encr(EncryptionAlgorithm.AesGcm16, 192),
        ["aes256gcm"] = Encr(EncryptionAlgorithm.AesGcm16, 256),
        ["chacha20poly1305"] = Encr(EncryptionAlgorithm.ChaCha20Poly1305, 256),
        // SHA-1 and MODP-1024 are parsed so the weak Windows profile can name them; configuration refuses them
        // anywhere else (ApplianceOptionsValidator, WeakAlgorithms).
        ["sha1"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha1_96),
        ["sha"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha1_96),
        ["prfsha1"] = new(KeywordType.Prf, Prf: PrfAlgorithm.HmacSha1),
        ["modp1024"] = new(KeywordType.Dh, Dh: DhGroup.Modp1024),
        ["sha256"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha256_128),
        ["sha2_256"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha256_128),
        ["sha384"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha384_192),
        ["sha2_384"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha384_192),
        ["sha512"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha512_256),
        ["sha2_512"] = new(KeywordType.Integrity, Integrity: IntegrityAlgorithm.HmacSha512_256),
        ["prfsha256"] = new(KeywordType.Prf, Prf: PrfAlgorithm.HmacSha256),
        ["prfsha384"] = new(KeywordType.Prf, Prf: PrfAlgorithm.HmacSha384),
        ["prfsha512"] = new(KeywordType.Prf, Prf: PrfAlgorithm.HmacSha512),
        ["modp2048"] = new(KeywordType.Dh, Dh: DhGroup.Modp2048),
        ["ecp256"] = new(KeywordType.Dh, Dh: DhGroup.Ecp256),
        ["ecp384"] = new(KeywordType.Dh, Dh: DhGroup.Ecp384),
        ["ecp521"] = new(KeywordType.Dh, Dh: DhGroup.Ecp521),
        ["curve25519"] = new(KeywordType.Dh, Dh: DhGroup.Curve25519),
        ["x25519"] = new(KeywordType.Dh, Dh: DhGroup.Curve25519),
        ["esn"] = new(KeywordType.Esn, Esn: EsnMode.Esn),
        ["noesn"] = new(KeywordType.Esn, Esn: EsnMode.NoEsn),
    };

    private static Keyword Encr(EncryptionAlgorithm alg, int bits) => new(KeywordType.Encryption, alg, bits);

    internal static bool TryLookup(string token, out Keyword keyword) => Keywords.TryGetValue(token, out keyword);

    public static bool IsAead(EncryptionAlgorithm alg) => alg is EncryptionAlgorithm.AesGcm16 or EncryptionAlgorithm.ChaCha20Poly1305;

    /// <summary>Whether the key length is a valid one for the algorithm (RFC 3602, RFC 4106: 128/192/256; RFC 7634: 256).</summary>
    public static bool IsValidKeyLength(EncryptionAlgorithm alg, int keyBits) => alg switch
    {
        EncryptionAlgorithm.AesCbc or EncryptionAlgorithm.AesGcm16 => keyBits is 128 or 192 or 256,
        EncryptionAlgorithm.ChaCha20Poly1305 => keyBits == 256,
        _ => false,
    };

    public static bool IsKnown(EncryptionAlgorithm alg) => Enum.IsDefined(alg);
    public static bool IsKnown(PrfAlgorithm alg) => Enum.IsDefined(alg);
    public static bool IsKnown(IntegrityAlgorithm alg) => Enum.IsDefined(alg);
    public static bool IsKnown(DhGroup group) => Enum.IsDefined(group);

    /// <summary>Bytes of keying material for the cipher, including the 4-byte salt of AEAD ciphers
    /// (RFC 5282 §7.1 for GCM, RFC 7634 §4 for ChaCha20-Poly1305).</summary>
    public static int EncryptionKeyBytes(EncryptionAlgorithm alg, int keyBits) => alg switch
    {
        EncryptionAlgorithm.AesCbc => keyBits / 8,
        EncryptionAlgorithm.AesGcm16 => keyBits / 8 + 4,
        EncryptionAlgorithm.ChaCha20Poly1305 => 32 + 4,
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "unsupported encryption algorithm"),
    };

    /// <summary>HMAC key length equals the hash output (RFC 4868 §2.1.1); ICV is half of it (§2.1.2).</summary>
    public static int IntegrityKeyBytes(IntegrityAlgorithm alg) => alg switch
    {
        IntegrityAlgorithm.None => 0,
        IntegrityAlgorithm.HmacSha1_96 => 20, // RFC 2404 §3
        IntegrityAlgorithm.HmacSha256_128 => 32,
        IntegrityAlgorithm.HmacSha384_192 => 48,
        IntegrityAlgorithm.HmacSha512_256 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "unsupported integrity algorithm"),
    };

    /// <remarks>RFC 2404 §2: HMAC-SHA-1-96 keeps 12 of SHA-1's 20 octets, not half.</remarks>
    public static int IntegrityIcvBytes(IntegrityAlgorithm alg) => alg == IntegrityAlgorithm.HmacSha1_96 ? 12 : IntegrityKeyBytes(alg) / 2;

    /// <summary>SHA-1 or MODP-1024: what only the weak Windows profile may negotiate.</summary>
    public static bool IsWeak(IntegrityAlgorithm integ) => integ == IntegrityAlgorithm.HmacSha1_96;
    public static bool IsWeak(PrfAlgorithm prf) => prf == PrfAlgorithm.HmacSha1;
    public static bool IsWeak(DhGroup group) => group == DhGroup.Modp1024;

    public static string Name(EncryptionAlgorithm alg, int keyBits) => alg switch
    {
        EncryptionAlgorithm.AesCbc => $"AES_CBC-{keyBits}",
        EncryptionAlgorithm.AesGcm16 => $"AES_GCM_16-{keyBits}",
        EncryptionAlgorithm.ChaCha20Poly1305 => "CHACHA20_POLY1305",
        _ => $"ENCR_{(ushort)alg}",
    };

    public static string Name(IntegrityAlgorithm alg) => alg switch
    {
        IntegrityAlgorithm.HmacSha1_96 => "HMAC_SHA1_96",
        IntegrityAlgorithm.HmacSha256_128 => "HMAC_SHA2_256_128",
        IntegrityAlgorithm.HmacSha384_192 => "HMAC_SHA2_384_192",
        IntegrityAlgorithm.HmacSha512_256 => "HMAC_SHA2_512_256",
        IntegrityAlgorithm.None => "NONE",
        _ => $"INTEG_{(ushort)alg}",
    };

    public static string Name(PrfAlgorithm alg) => alg switch
    {
        PrfAlgorithm.HmacSha1 => "PRF_HMAC_SHA1",
        PrfAlgorithm.HmacSha256 => "PRF_HMAC_SHA2_256",
        PrfAlgorithm.HmacSha384 => "PRF_HMAC_SHA2_384",
        PrfAlgorithm.HmacSha512 => "PRF_HMAC_SHA2_512",
        _ => $"PRF_{(ushort)alg}",
    };

    public static string Name(DhGroup group) => group switch
    {
        DhGroup.Modp1024 => "MODP_1024",
        DhGroup.Modp2048 => "MODP_2048",
        DhGroup.Ecp256 => "ECP_256",
        DhGroup.Ecp384 => "ECP_384",
        DhGroup.Ecp521 => "ECP_521",
        DhGroup.Curve25519 => "CURVE_25519",
        DhGroup.None => "NONE",
        _ => $"KE_{(ushort)group}",
    };
}

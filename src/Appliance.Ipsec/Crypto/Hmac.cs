using System.Security.Cryptography;

namespace Appliance.Ipsec.Crypto;

/// <summary>Integrity transforms of RFC 4868 (HMAC-SHA-2 truncated to half the hash length).</summary>
public enum IntegrityAlgorithm
{
    /// <summary>AUTH_HMAC_SHA2_256_128.</summary>
    HmacSha256_128,
    /// <summary>AUTH_HMAC_SHA2_384_192.</summary>
    HmacSha384_192,
    /// <summary>AUTH_HMAC_SHA2_512_256.</summary>
    HmacSha512_256,
    /// <summary>AUTH_HMAC_SHA1_96 (RFC 2404): only for the opt-in weak Windows profile.</summary>
    HmacSha1_96,
}

/// <summary>
/// One-shot HMAC-SHA-2. The static .NET one-shots keep no per-call state, so one SA's key can be used
/// by several threads at once and nothing is allocated per packet.
/// </summary>
public static class Hmac
{
    /// <summary>Largest full HMAC output (SHA-512).</summary>
    public const int MaxOutputLength = 64;

    /// <summary>RFC 4868 §2.1.1: the key is as long as the hash output.</summary>
    public static int KeyLength(IntegrityAlgorithm algorithm) => OutputLength(algorithm);

    public static int OutputLength(IntegrityAlgorithm algorithm) => algorithm switch
    {
        IntegrityAlgorithm.HmacSha1_96 => 20,
        IntegrityAlgorithm.HmacSha256_128 => 32,
        IntegrityAlgorithm.HmacSha384_192 => 48,
        _ => 64,
    };

    /// <summary>RFC 4868 §2.3: truncation to half the output; RFC 2404 §2: HMAC-SHA-1-96 keeps 12 octets.</summary>
    public static int IcvLength(IntegrityAlgorithm algorithm) => algorithm == IntegrityAlgorithm.HmacSha1_96 ? 12 : OutputLength(algorithm) / 2;

    /// <summary>Full (untruncated) HMAC of <paramref name="data"/>; returns the number of bytes written.</summary>
    public static int Compute(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => algorithm switch
    {
        IntegrityAlgorithm.HmacSha1_96 => HMACSHA1.HashData(key, data, destination),
        IntegrityAlgorithm.HmacSha256_128 => HMACSHA256.HashData(key, data, destination),
        IntegrityAlgorithm.HmacSha384_192 => HMACSHA384.HashData(key, data, destination),
        _ => HMACSHA512.HashData(key, data, destination),
    };

    public static HashAlgorithmName HashName(IntegrityAlgorithm algorithm) => algorithm switch
    {
        IntegrityAlgorithm.HmacSha1_96 => HashAlgorithmName.SHA1,
        IntegrityAlgorithm.HmacSha256_128 => HashAlgorithmName.SHA256,
        IntegrityAlgorithm.HmacSha384_192 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };
}

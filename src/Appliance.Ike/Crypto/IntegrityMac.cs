using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>HMAC-SHA2 integrity (RFC 4868 §2): full HMAC over the input, truncated to half the hash length.</summary>
internal static class IntegrityMac
{
    /// <summary>Writes the truncated ICV of part1 | part2 into <paramref name="icv"/> (exactly the ICV length).</summary>
    public static void Compute(IntegrityAlgorithm alg, ReadOnlySpan<byte> key, ReadOnlySpan<byte> part1, ReadOnlySpan<byte> part2, Span<byte> icv)
    {
        int icvLength = TransformRegistry.IntegrityIcvBytes(alg);
        if (icv.Length != icvLength)
            throw new ArgumentException($"ICV buffer must be {icvLength} bytes", nameof(icv));
        using IncrementalHash h = alg switch
        {
            IntegrityAlgorithm.HmacSha1_96 => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, key),
            IntegrityAlgorithm.HmacSha256_128 => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key),
            IntegrityAlgorithm.HmacSha384_192 => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA384, key),
            IntegrityAlgorithm.HmacSha512_256 => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, key),
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "unsupported integrity algorithm"),
        };
        h.AppendData(part1);
        h.AppendData(part2);
        Span<byte> full = stackalloc byte[64];
        int written = h.GetHashAndReset(full);
        full[..icvLength].CopyTo(icv);
        full[..written].Clear();
    }
}

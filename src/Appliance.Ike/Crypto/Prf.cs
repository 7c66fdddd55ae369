using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>
/// The negotiated IKE PRF (HMAC-SHA2 per RFC 4868 §2.1) and prf+ (RFC 7296 §2.13).
/// HMAC takes keys of any length, so no key padding/truncation rule applies here.
/// </summary>
public sealed class Prf
{
    // RFC 7296 §2.13: the counter byte limits prf+ to 255 blocks.
    private const int MaxBlocks = 255;

    public Prf(PrfAlgorithm alg)
    {
        OutputSize = alg switch
        {
            PrfAlgorithm.HmacSha1 => 20,
            PrfAlgorithm.HmacSha256 => 32,
            PrfAlgorithm.HmacSha384 => 48,
            PrfAlgorithm.HmacSha512 => 64,
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "unsupported PRF"),
        };
        Algorithm = alg;
    }

    public PrfAlgorithm Algorithm { get; }

    public int OutputSize { get; }

    /// <summary>RFC 4868 §2.1.1 / RFC 7296 §2.13: SK_d, SK_pi and SK_pr are as long as the PRF output.</summary>
    public int PreferredKeySize => OutputSize;

    public byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var output = new byte[OutputSize];
        Compute(key, data, output);
        return output;
    }

    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int written = Algorithm switch
        {
            PrfAlgorithm.HmacSha1 => HMACSHA1.HashData(key, data, destination),
            PrfAlgorithm.HmacSha256 => HMACSHA256.HashData(key, data, destination),
            PrfAlgorithm.HmacSha384 => HMACSHA384.HashData(key, data, destination),
            _ => HMACSHA512.HashData(key, data, destination),
        };
        if (written != OutputSize)
            throw new CryptographicException("PRF output size mismatch");
    }

    /// <summary>prf+ (K,S) = T1 | T2 | ..., T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n).</summary>
    public byte[] Expand(ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int blocks = (length + OutputSize - 1) / OutputSize;
        if (blocks > MaxBlocks)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"prf+ can produce at most {MaxBlocks * OutputSize} bytes with this PRF");
        var output = new byte[blocks * OutputSize];
        // input = T(n-1) | S | n; T0 is empty.
        var input = new byte[OutputSize + seed.Length + 1];
        try
        {
            int offset = 0;
            for (int n = 1; n <= blocks; n++)
            {
                int prevLength = n == 1 ? 0 : OutputSize;
                if (n > 1)
                    output.AsSpan(offset - OutputSize, OutputSize).CopyTo(input);
                seed.CopyTo(input.AsSpan(prevLength));
                input[prevLength + seed.Length] = (byte)n;
                Compute(key, input.AsSpan(0, prevLength + seed.Length + 1), output.AsSpan(offset, OutputSize));
                offset += OutputSize;
            }
            if (output.Length == length)
                return output;
            byte[] trimmed = output.AsSpan(0, length).ToArray();
            CryptographicOperations.ZeroMemory(output);
            return trimmed;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>SK_* keys of one IKE SA (RFC 7296 §2.14). SkEi/SkEr include the 4-byte salt for AEAD ciphers.</summary>
public sealed record IkeSaKeys(byte[] SkD, byte[] SkAi, byte[] SkAr, byte[] SkEi, byte[] SkEr, byte[] SkPi, byte[] SkPr)
{
    /// <summary>Overwrites every key with zeros once the SA is gone.</summary>
    public void Clear()
    {
        foreach (byte[] k in new[] { SkD, SkAi, SkAr, SkEi, SkEr, SkPi, SkPr })
            CryptographicOperations.ZeroMemory(k);
    }
}

/// <summary>IKEv2 key derivation, RFC 7296 §2.14 (IKE SA), §2.17 (Child SA) and §2.18 (IKE SA rekey).</summary>
public static class KeyDerivation
{
    /// <summary>SKEYSEED = prf(Ni | Nr, g^ir). The nonce-truncation rule of §2.14 is for fixed-key PRFs
    /// (AES-XCBC/CMAC); HMAC uses the whole Ni | Nr as key.</summary>
    public static byte[] Skeyseed(Prf prf, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ReadOnlySpan<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(prf);
        byte[] key = Concat(ni, nr, [], []);
        try { return prf.Compute(key, sharedSecret); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    /// <summary>{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).</summary>
    public static IkeSaKeys DeriveIkeSaKeys(Prf prf, ReadOnlySpan<byte> skeyseed, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr,
        ulong spii, ulong spir, int encrKeyBytes, int integKeyBytes)
    {
        ArgumentNullException.ThrowIfNull(prf);
        ArgumentOutOfRangeException.ThrowIfNegative(encrKeyBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(integKeyBytes);
        Span<byte> spis = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(spis, spii);
        BinaryPrimitives.WriteUInt64BigEndian(spis[8..], spir);
        byte[] seed = Concat(ni, nr, spis, []);
        int p = prf.PreferredKeySize;
        byte[] stream = prf.Expand(skeyseed, seed, 3 * p + 2 * integKeyBytes + 2 * encrKeyBytes);
        try
        {
            int offset = 0;
            byte[] Take(int n)
            {
                byte[] k = stream.AsSpan(offset, n).ToArray();
                offset += n;
                return k;
            }
            byte[] skD = Take(p), skAi = Take(integKeyBytes), skAr = Take(integKeyBytes);
            byte[] skEi = Take(encrKeyBytes), skEr = Take(encrKeyBytes), skPi = Take(p), skPr = Take(p);
            return new IkeSaKeys(skD, skAi, skAr, skEi, skEr, skPi, skPr);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stream);
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>§2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF.</summary>
    public static byte[] RekeySkeyseed(Prf oldPrf, ReadOnlySpan<byte> oldSkD, ReadOnlySpan<byte> newSharedSecret,
        ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr)
    {
        ArgumentNullException.ThrowIfNull(oldPrf);
        byte[] data = Concat(newSharedSecret, ni, nr, []);
        try { return oldPrf.Compute(oldSkD, data); }
        finally { CryptographicOperations.ZeroMemory(data); }
    }

    /// <summary>§2.17: KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with PFS.</summary>
    public static byte[] ChildKeyMaterial(Prf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> sharedSecretOrEmpty,
        ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, int length)
    {
        ArgumentNullException.ThrowIfNull(prf);
        byte[] seed = Concat(sharedSecretOrEmpty, ni, nr, []);
        try { return prf.Expand(skD, seed, length); }
        finally { CryptographicOperations.ZeroMemory(seed); }
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        var result = new byte[a.Length + b.Length + c.Length + d.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        c.CopyTo(result.AsSpan(a.Length + b.Length));
        d.CopyTo(result.AsSpan(a.Length + b.Length + c.Length));
        return result;
    }
}

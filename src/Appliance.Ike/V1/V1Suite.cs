using System.Security.Cryptography;

namespace Appliance.Ike.V1;

/// <summary>The phase 1 hash: its HMAC is the PRF (RFC 2409 §5 when no PRF attribute is negotiated), the plain hash makes IVs and NAT-D.</summary>
internal sealed class V1Hash
{
    public V1Hash(ushort id)
    {
        Id = id;
        Size = id switch
        {
            P1Attr.HashSha1 => 20,
            P1Attr.HashSha256 => 32,
            P1Attr.HashSha384 => 48,
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unsupported hash"),
        };
    }

    public ushort Id { get; }
    public int Size { get; }
    public string Name => Id switch { P1Attr.HashSha1 => "sha1", P1Attr.HashSha256 => "sha256", _ => "sha384" };

    public static bool IsSupported(ulong id) => id is P1Attr.HashSha1 or P1Attr.HashSha256 or P1Attr.HashSha384;

    public byte[] Prf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => Id switch
    {
        P1Attr.HashSha1 => HMACSHA1.HashData(key, data),
        P1Attr.HashSha256 => HMACSHA256.HashData(key, data),
        _ => HMACSHA384.HashData(key, data),
    };

    public byte[] Hash(ReadOnlySpan<byte> data) => Id switch
    {
        P1Attr.HashSha1 => SHA1.HashData(data),
        P1Attr.HashSha256 => SHA256.HashData(data),
        _ => SHA384.HashData(data),
    };

    /// <summary>prf over the concatenation of several parts.</summary>
    public byte[] PrfOf(ReadOnlySpan<byte> key, params byte[][] parts) => Prf(key, (ReadOnlySpan<byte>)Concat(parts));

    public static byte[] Concat(params byte[][] parts)
    {
        int total = 0;
        foreach (byte[] p in parts)
            total += p.Length;
        var output = new byte[total];
        int offset = 0;
        foreach (byte[] p in parts)
        {
            p.CopyTo(output, offset);
            offset += p.Length;
        }
        return output;
    }
}

/// <summary>The phase 1 cipher in CBC mode without padding (RFC 2409 Appendix B): AES-CBC (RFC 3602) or 3DES-CBC.</summary>
internal sealed class V1Cipher
{
    public V1Cipher(ushort id, int keyBits)
    {
        Id = id;
        KeyBytes = keyBits / 8;
        BlockSize = id == P1Attr.Enc3DesCbc ? 8 : 16;
    }

    public ushort Id { get; }
    public int KeyBytes { get; }
    public int BlockSize { get; }
    public string Name => Id == P1Attr.Enc3DesCbc ? "3des" : $"aes{KeyBytes * 8}";

    public byte[] Encrypt(byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        using SymmetricAlgorithm alg = Create(key);
        return alg.EncryptCbc(plaintext, iv, PaddingMode.None);
    }

    public byte[] Decrypt(byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        using SymmetricAlgorithm alg = Create(key);
        return alg.DecryptCbc(ciphertext, iv, PaddingMode.None);
    }

    private SymmetricAlgorithm Create(byte[] key)
    {
        SymmetricAlgorithm alg = Id == P1Attr.Enc3DesCbc ? TripleDES.Create() : Aes.Create();
        alg.Key = key;
        return alg;
    }
}

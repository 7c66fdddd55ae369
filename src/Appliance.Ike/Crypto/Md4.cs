using System.Buffers.Binary;
using System.Numerics;

namespace Appliance.Ike.Crypto;

/// <summary>
/// MD4 (RFC 1320), only for the NT password hash of MS-CHAPv2 (RFC 2759 §8.3). OpenSSL 3 keeps MD4 in its legacy
/// provider and .NET offers none, so this small implementation is verified with RFC 1320 §A.5 and RFC 2759 §9.2.
/// </summary>
internal static class Md4
{
    public const int HashSize = 16;

    public static byte[] Hash(ReadOnlySpan<byte> message)
    {
        // Pad: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian number.
        int padded = (message.Length + 8) / 64 * 64 + 64;
        var data = new byte[padded];
        message.CopyTo(data);
        data[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(padded - 8), (ulong)message.Length * 8);

        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        Span<uint> x = stackalloc uint[16];
        for (int block = 0; block < padded; block += 64)
        {
            for (int i = 0; i < 16; i++)
                x[i] = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(block + 4 * i));
            uint aa = a, bb = b, cc = c, dd = d;
            ReadOnlySpan<int> s1 = [3, 7, 11, 19];
            for (int i = 0; i < 16; i++)
            {
                uint f = (b & c) | (~b & d);
                (a, b, c, d) = (d, BitOperations.RotateLeft(a + f + x[i], s1[i % 4]), b, c);
            }
            ReadOnlySpan<int> s2 = [3, 5, 9, 13];
            for (int i = 0; i < 16; i++)
            {
                uint g = (b & c) | (b & d) | (c & d);
                int k = (i % 4) * 4 + i / 4;
                (a, b, c, d) = (d, BitOperations.RotateLeft(a + g + x[k] + 0x5a827999, s2[i % 4]), b, c);
            }
            ReadOnlySpan<int> s3 = [3, 9, 11, 15];
            ReadOnlySpan<int> order3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
            for (int i = 0; i < 16; i++)
            {
                uint h = b ^ c ^ d;
                (a, b, c, d) = (d, BitOperations.RotateLeft(a + h + x[order3[i]] + 0x6ed9eba1, s3[i % 4]), b, c);
            }
            a += aa; b += bb; c += cc; d += dd;
        }
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(data);
        var digest = new byte[HashSize];
        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(4), b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(8), c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(12), d);
        return digest;
    }
}

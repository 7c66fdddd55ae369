using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Builds and opens Encrypted Fragment (SKF) messages (RFC 7383 §2.5). Each fragment is protected on its own: its
/// associated data is its own IKE header (Next Payload 53, the fragment's length) plus the SKF header with Fragment
/// Number and Total Fragments, i.e. every byte before the IV, exactly as for SK (RFC 7383 §2.5).
/// </summary>
internal static class SkfCodec
{
    /// <summary>Generic payload header + Fragment Number + Total Fragments.</summary>
    public const int HeaderSize = PayloadCodec.GenericHeaderSize + 4;
    private const int HeaderEnd = IkeHeader.Size + HeaderSize;

    /// <summary>
    /// Most plaintext one fragment may carry so that the whole fragment message is at most
    /// <paramref name="maxMessage"/> octets: the room after headers, IV and ICV, cut to whole cipher blocks, less
    /// the pad length octet (RFC 7296 §3.14). At least 1, so an absurdly small limit still makes progress.
    /// </summary>
    public static int MaxChunk(int maxMessage, SkProtection protection)
    {
        int room = maxMessage - HeaderEnd - protection.IvSize - protection.IcvSize;
        int padded = room / protection.BlockSize * protection.BlockSize;
        return Math.Max(1, padded - 1);
    }

    /// <summary>
    /// Splits the inner payload chain into fragments of at most <paramref name="maxMessage"/> octets each, all with
    /// the header's Message ID; only fragment 1 names the first inner payload (RFC 7383 §2.5).
    /// </summary>
    public static List<byte[]> Split(IkeHeader header, IReadOnlyList<IkePayload> inner, int maxMessage, SkProtection protection,
        Func<byte[]> nextIv)
    {
        byte[] plaintext = PayloadCodec.EncodeChain(inner);
        try
        {
            int chunk = MaxChunk(maxMessage, protection);
            int total = Math.Max(1, (plaintext.Length + chunk - 1) / chunk);
            if (total > ushort.MaxValue)
                throw new InvalidOperationException($"message of {plaintext.Length} octets needs {total} fragments");
            var fragments = new List<byte[]>(total);
            for (int i = 0; i < total; i++)
            {
                int offset = i * chunk;
                ReadOnlySpan<byte> part = plaintext.AsSpan(offset, Math.Min(chunk, plaintext.Length - offset));
                PayloadType first = i == 0 ? PayloadCodec.FirstType(inner) : PayloadType.None;
                fragments.Add(EncodeFragment(header, first, (ushort)(i + 1), (ushort)total, part, protection, nextIv()));
            }
            return fragments;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public static byte[] EncodeFragment(IkeHeader header, PayloadType firstInner, ushort number, ushort total,
        ReadOnlySpan<byte> chunk, SkProtection protection, ReadOnlySpan<byte> iv)
    {
        int protectedLength = protection.GetProtectedLength(chunk.Length);
        int length = HeaderEnd + protectedLength;
        var message = new byte[length];
        var w = new WireWriter();
        (header with { NextPayload = PayloadType.EncryptedFragment, Version = IkeHeader.Ikev2, Length = (uint)length }).Write(w);
        w.Written.CopyTo(message);
        Span<byte> skf = message.AsSpan(IkeHeader.Size, HeaderSize);
        skf[0] = (byte)firstInner;
        skf[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(skf[2..], (ushort)(HeaderSize + protectedLength));
        BinaryPrimitives.WriteUInt16BigEndian(skf[4..], number);
        BinaryPrimitives.WriteUInt16BigEndian(skf[6..], total);
        protection.Protect(message.AsSpan(0, HeaderEnd), chunk, iv, message.AsSpan(HeaderEnd));
        return message;
    }

    /// <summary>Verifies the fragment's ICV and decrypts it; false when the ICV or padding does not verify.</summary>
    public static bool TryOpen(DecodedMessage message, EncryptedFragmentPayload fragment, SkProtection protection, out byte[] plaintext)
    {
        plaintext = [];
        if (message.EncryptedOffset < 0 || fragment.Body.Length < protection.IvSize + protection.IcvSize)
            return false;
        ReadOnlySpan<byte> associated = message.Raw.AsSpan(0, message.EncryptedOffset + HeaderSize);
        return protection.TryUnprotect(associated, fragment.Body, out plaintext);
    }
}

using System.Buffers.Binary;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Builds and opens messages whose payloads travel inside the SK payload (RFC 7296 §3.14, RFC 5282 §5).
/// The associated data is the IKE header plus the SK generic payload header: we never put plaintext
/// payloads before SK, so this is also "the whole message up to the IV" that CBC+HMAC's ICV covers.
/// </summary>
internal static class SkCodec
{
    private const int SkHeaderEnd = IkeHeader.Size + PayloadCodec.GenericHeaderSize;

    public static byte[] Encode(IkeHeader header, IReadOnlyList<IkePayload> inner, SkProtection protection, ReadOnlySpan<byte> iv)
    {
        byte[] plaintext = PayloadCodec.EncodeChain(inner);
        int protectedLength = protection.GetProtectedLength(plaintext.Length);
        int total = SkHeaderEnd + protectedLength;
        var message = new byte[total];
        var w = new WireWriter();
        (header with { NextPayload = PayloadType.EncryptedAndAuthenticated, Version = IkeHeader.Ikev2, Length = (uint)total }).Write(w);
        w.Written.CopyTo(message);
        message[IkeHeader.Size] = (byte)PayloadCodec.FirstType(inner);
        message[IkeHeader.Size + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(IkeHeader.Size + 2), (ushort)(PayloadCodec.GenericHeaderSize + protectedLength));
        protection.Protect(message.AsSpan(0, SkHeaderEnd), plaintext, iv, message.AsSpan(SkHeaderEnd));
        CryptographicZero(plaintext);
        return message;
    }

    /// <summary>Fragment: an SKF fragment was dropped (RFC 7383); Incomplete: it was kept and more are awaited.</summary>
    public enum OpenStatus { Ok, NotEncrypted, Fragment, Incomplete, IntegrityFailed, Malformed, UnsupportedCritical }

    /// <summary>Verifies and decrypts the SK payload, then decodes the inner chain.</summary>
    public static OpenStatus TryOpen(DecodedMessage message, SkProtection protection, List<IkePayload> inner, out DecodeResult innerResult)
    {
        innerResult = DecodeResult.Ok;
        if (message.EncryptedOffset < 0 || message.Payloads.Count == 0)
            return OpenStatus.NotEncrypted;
        IkePayload last = message.Payloads[^1];
        if (last is EncryptedFragmentPayload)
            return OpenStatus.Fragment;
        if (last is not EncryptedPayload sk || message.Payloads.Count != 1)
            return message.Payloads.Count != 1 ? OpenStatus.Malformed : OpenStatus.NotEncrypted;
        ReadOnlySpan<byte> associated = message.Raw.AsSpan(0, message.EncryptedOffset + PayloadCodec.GenericHeaderSize);
        if (sk.Body.Length < protection.IvSize + protection.IcvSize)
            return OpenStatus.IntegrityFailed;
        if (!protection.TryUnprotect(associated, sk.Body, out byte[] plaintext))
            return OpenStatus.IntegrityFailed;
        return DecodeInner(plaintext, sk.FirstInnerPayload, inner, out innerResult);
    }

    /// <summary>Decodes the decrypted inner chain (of one SK payload or of reassembled fragments), then wipes it.</summary>
    public static OpenStatus DecodeInner(byte[] plaintext, PayloadType first, List<IkePayload> inner, out DecodeResult innerResult)
    {
        innerResult = PayloadCodec.TryDecodeChain(plaintext, first, allowEncrypted: false, inner, out _);
        CryptographicZero(plaintext);
        return innerResult.Status switch
        {
            DecodeStatus.Ok => OpenStatus.Ok,
            DecodeStatus.UnsupportedCriticalPayload => OpenStatus.UnsupportedCritical,
            _ => OpenStatus.Malformed,
        };
    }

    private static void CryptographicZero(byte[] data) => System.Security.Cryptography.CryptographicOperations.ZeroMemory(data);
}

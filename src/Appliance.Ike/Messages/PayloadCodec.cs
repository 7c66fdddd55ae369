namespace Appliance.Ike.Messages;

public enum DecodeStatus
{
    Ok,
    Malformed,
    /// <summary>An unknown payload had the critical bit set (RFC 7296 §2.5).</summary>
    UnsupportedCriticalPayload,
    /// <summary>Major version other than 2 (RFC 7296 §2.5).</summary>
    InvalidMajorVersion,
}

/// <summary>The outcome of decoding: status, a reason for logs, and the unsupported critical type if any.</summary>
public readonly record struct DecodeResult(DecodeStatus Status, string? Error = null, byte CriticalPayloadType = 0)
{
    public static DecodeResult Ok { get; } = new(DecodeStatus.Ok);
    public bool IsOk => Status == DecodeStatus.Ok;
}

/// <summary>A datagram split into header, plaintext payloads and (if present) the still-encrypted SK payload.</summary>
public sealed class DecodedMessage(IkeHeader header, byte[] raw, IReadOnlyList<IkePayload> payloads, int encryptedOffset)
{
    public IkeHeader Header { get; } = header;
    /// <summary>The whole message as received (needed for AUTH's signed octets and for the SK AAD).</summary>
    public byte[] Raw { get; } = raw;
    public IReadOnlyList<IkePayload> Payloads { get; } = payloads;
    /// <summary>Offset of the SK (or SKF) generic payload header in <see cref="Raw"/>, or -1.</summary>
    public int EncryptedOffset { get; } = encryptedOffset;
}

/// <summary>Payload chain encoding and bounds-checked decoding (RFC 7296 §3.2).</summary>
public static class PayloadCodec
{
    public const int GenericHeaderSize = 4;

    // Payloads RFC 7296 allows at most once per message (N, D, V, CERT and CERTREQ may repeat).
    private static bool IsSingleton(PayloadType t) => t is PayloadType.SecurityAssociation or PayloadType.KeyExchange
        or PayloadType.IdentificationInitiator or PayloadType.IdentificationResponder or PayloadType.Authentication
        or PayloadType.Nonce or PayloadType.TrafficSelectorInitiator or PayloadType.TrafficSelectorResponder
        or PayloadType.EncryptedAndAuthenticated or PayloadType.Configuration or PayloadType.ExtensibleAuthentication
        or PayloadType.EncryptedFragment;

    /// <summary>Decodes header and outer payloads of a datagram. Never throws on bad input.</summary>
    public static DecodeResult TryDecodeMessage(ReadOnlySpan<byte> datagram, out DecodedMessage? message)
    {
        message = null;
        if (datagram.Length < IkeHeader.Size)
            return new DecodeResult(DecodeStatus.Malformed, $"datagram of {datagram.Length} bytes is shorter than the IKE header");
        var r = new WireReader(datagram);
        IkeHeader header = IkeHeader.Read(ref r);
        if (header.Version >> 4 != 2)
            return new DecodeResult(DecodeStatus.InvalidMajorVersion, $"IKE major version {header.Version >> 4}");
        if (header.Length != datagram.Length)
            return new DecodeResult(DecodeStatus.Malformed, $"header length {header.Length} but datagram has {datagram.Length} bytes");
        var payloads = new List<IkePayload>();
        DecodeResult result = TryDecodeChain(datagram[IkeHeader.Size..], header.NextPayload, allowEncrypted: true, payloads, out int encOffset);
        if (!result.IsOk)
            return result;
        message = new DecodedMessage(header, datagram.ToArray(), payloads, encOffset < 0 ? -1 : encOffset + IkeHeader.Size);
        return DecodeResult.Ok;
    }

    /// <summary>Decodes a payload chain; with <paramref name="allowEncrypted"/> an SK/SKF payload must be the last one.</summary>
    public static DecodeResult TryDecodeChain(ReadOnlySpan<byte> data, PayloadType first, bool allowEncrypted,
        List<IkePayload> into, out int encryptedOffset)
    {
        encryptedOffset = -1;
        try
        {
            return DecodeChain(data, first, allowEncrypted, into, out encryptedOffset);
        }
        catch (MalformedMessageException ex)
        {
            return new DecodeResult(DecodeStatus.Malformed, ex.Message);
        }
    }

    private static DecodeResult DecodeChain(ReadOnlySpan<byte> data, PayloadType first, bool allowEncrypted,
        List<IkePayload> into, out int encryptedOffset)
    {
        encryptedOffset = -1;
        var seen = new HashSet<PayloadType>();
        PayloadType next = first;
        var r = new WireReader(data);
        while (next != PayloadType.None)
        {
            int offset = r.Position;
            PayloadType current = next;
            next = (PayloadType)r.ReadByte("next payload");
            bool critical = (r.ReadByte("critical flag") & 0x80) != 0;
            int length = r.ReadUInt16("payload length");
            if (length < GenericHeaderSize)
                throw new MalformedMessageException($"payload length {length} < 4");
            ReadOnlySpan<byte> body = r.ReadBytes(length - GenericHeaderSize, $"{current} payload body");
            if (IsSingleton(current) && !seen.Add(current))
                throw new MalformedMessageException($"duplicate {current} payload");
            if (current is PayloadType.EncryptedAndAuthenticated or PayloadType.EncryptedFragment)
            {
                if (!allowEncrypted)
                    throw new MalformedMessageException("encrypted payload inside an encrypted payload");
                if (r.Remaining != 0)
                    throw new MalformedMessageException("encrypted payload is not the last payload");
                encryptedOffset = offset;
                into.Add(current == PayloadType.EncryptedAndAuthenticated
                    ? new EncryptedPayload(next, body.ToArray())
                    : EncryptedFragmentPayload.Read(next, body));
                return DecodeResult.Ok;
            }
            IkePayload? payload = ReadPayload(current, body);
            if (payload is null)
            {
                if (critical)
                    return new DecodeResult(DecodeStatus.UnsupportedCriticalPayload, $"unknown critical payload {(byte)current}", (byte)current);
                into.Add(new UnknownPayload((byte)current, body.ToArray()));
                continue;
            }
            into.Add(payload);
        }
        if (r.Remaining != 0)
            throw new MalformedMessageException($"{r.Remaining} bytes after the last payload");
        return DecodeResult.Ok;
    }

    private static IkePayload? ReadPayload(PayloadType type, ReadOnlySpan<byte> body) => type switch
    {
        PayloadType.SecurityAssociation => SaPayload.Read(body),
        PayloadType.KeyExchange => KePayload.Read(body),
        PayloadType.IdentificationInitiator => IdPayload.Read(false, body),
        PayloadType.IdentificationResponder => IdPayload.Read(true, body),
        PayloadType.Certificate => CertificatePayload.Read(false, body),
        PayloadType.CertificateRequest => CertificatePayload.Read(true, body),
        PayloadType.Authentication => AuthPayload.Read(body),
        PayloadType.Nonce => NoncePayload.Read(body),
        PayloadType.Notify => NotifyPayload.Read(body),
        PayloadType.Delete => DeletePayload.Read(body),
        PayloadType.VendorId => new VendorIdPayload(body.ToArray()),
        PayloadType.TrafficSelectorInitiator => TsPayload.Read(false, body),
        PayloadType.TrafficSelectorResponder => TsPayload.Read(true, body),
        PayloadType.Configuration => ConfigurationPayload.Read(body),
        PayloadType.ExtensibleAuthentication => EapPayload.Read(body),
        _ => null,
    };

    /// <summary>Writes a chain; the last payload's Next Payload is <paramref name="afterLast"/>.</summary>
    internal static void WriteChain(WireWriter w, IReadOnlyList<IkePayload> payloads, PayloadType afterLast = PayloadType.None)
    {
        for (int i = 0; i < payloads.Count; i++)
        {
            IkePayload p = payloads[i];
            int start = w.Length;
            w.WriteByte((byte)(i + 1 < payloads.Count ? payloads[i + 1].Type : afterLast));
            w.WriteByte(0);
            w.WriteUInt16(0);
            p.WriteBody(w);
            int length = w.Length - start;
            if (length > ushort.MaxValue)
                throw new InvalidOperationException($"{p.Type} payload of {length} bytes exceeds 65535");
            w.PatchUInt16(start + 2, (ushort)length);
        }
    }

    /// <summary>First payload type of a chain, None when empty.</summary>
    internal static PayloadType FirstType(IReadOnlyList<IkePayload> payloads) =>
        payloads.Count == 0 ? PayloadType.None : payloads[0].Type;

    /// <summary>Encodes a message with plaintext payloads only (IKE_SA_INIT and its errors).</summary>
    public static byte[] EncodePlain(IkeHeader header, IReadOnlyList<IkePayload> payloads)
    {
        var w = new WireWriter();
        (header with { NextPayload = FirstType(payloads), Version = IkeHeader.Ikev2, Length = 0 }).Write(w);
        WriteChain(w, payloads);
        w.PatchUInt16(24, 0);
        var bytes = w.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), (uint)bytes.Length);
        return bytes;
    }

    /// <summary>Encodes a bare payload chain (the plaintext inside SK).</summary>
    public static byte[] EncodeChain(IReadOnlyList<IkePayload> payloads)
    {
        var w = new WireWriter();
        WriteChain(w, payloads);
        return w.ToArray();
    }
}

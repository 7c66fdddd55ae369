using System.Buffers.Binary;
using System.Text;

namespace Appliance.L2tp.L2tp;

/// <summary>Control message types (RFC 2661 §3.2).</summary>
internal enum MessageType : ushort
{
    Sccrq = 1, Sccrp = 2, Scccn = 3, StopCcn = 4, Hello = 6, Ocrq = 7, Ocrp = 8, Occn = 9, Icrq = 10, Icrp = 11, Iccn = 12,
    Cdn = 14, Wen = 15, Sli = 16,
}

/// <summary>Result codes (§4.4.2): for StopCCN and for CDN; and the General Error codes that may follow either.</summary>
internal static class ResultCodes
{
    public const ushort StopGeneralRequest = 1, StopGeneralError = 2, StopAlreadyExists = 3, StopNotAuthorized = 4,
        StopVersionNotSupported = 5, StopShuttingDown = 6, StopFsmError = 7;
    public const ushort CdnLostCarrier = 1, CdnGeneralError = 2, CdnAdministrative = 3, CdnTemporaryLackOfResources = 4;
    public const ushort ErrorNone = 0, ErrorNoControlConnection = 1, ErrorLengthWrong = 2, ErrorValueOutOfRange = 3,
        ErrorInsufficientResources = 4, ErrorInvalidSessionId = 5, ErrorUnknownMandatoryAvp = 8;
}

/// <summary>Why a message (in sequence) cannot be processed, and what the answer says (§4.1, §4.4.2).</summary>
internal sealed record AvpProblem(ushort ErrorCode, string Message);

/// <summary>
/// A control message: its type (the first AVP, §4.4.1) and all its AVPs. <see cref="TryParse"/> checks the structure only;
/// <see cref="FindProblem"/> then applies the M-bit rules of §4.1 to each AVP.
/// </summary>
internal sealed class ControlMessage
{
    private ControlMessage(ushort type, bool typeMandatory, List<Avp> avps)
    {
        RawType = type;
        TypeMandatory = typeMandatory;
        Avps = avps;
    }

    public ushort RawType { get; }
    public MessageType Type => (MessageType)RawType;

    /// <summary>§4.4.1: an unknown message type with the M bit set clears the tunnel; without it, it is ignored.</summary>
    public bool TypeMandatory { get; }

    public bool IsKnownType => Enum.IsDefined(Type);
    public List<Avp> Avps { get; }

    /// <summary>The AVPs of a non-ZLB control message; null when malformed (the first AVP is not a 2-octet Message Type).</summary>
    public static ControlMessage? TryParse(ReadOnlySpan<byte> avpArea)
    {
        if (!Avp.TryParseAll(avpArea, out List<Avp> avps) || avps.Count == 0)
            return null;
        Avp first = avps[0];
        if (first.VendorId != 0 || first.Type != (ushort)AvpType.MessageType || first.Hidden || first.Value.Length != 2)
            return null;
        return new ControlMessage(BinaryPrimitives.ReadUInt16BigEndian(first.Value), first.Mandatory, avps);
    }

    /// <summary>
    /// The first AVP this engine cannot act on as §4.1 requires: an unrecognised AVP with the M bit set (error 8), where
    /// hidden AVPs count as unrecognised because no tunnel secret is configured to reveal them (§4.3), and AVPs with the
    /// reserved bits set are unrecognised by definition (§4.1); or a known AVP of the wrong length (error 2). Unrecognised
    /// AVPs without the M bit are ignored.
    /// </summary>
    public AvpProblem? FindProblem()
    {
        foreach (Avp avp in Avps.Skip(1))
        {
            bool readable = Avp.IsKnown(avp.VendorId, avp.Type) && !avp.Hidden && !avp.ReservedBitsSet;
            if (!readable)
            {
                if (avp.Mandatory)
                    return new AvpProblem(ResultCodes.ErrorUnknownMandatoryAvp,
                        avp.Hidden ? $"hidden AVP {avp.Type} (no tunnel secret configured)" : $"unknown mandatory AVP {avp.VendorId}:{avp.Type}");
                continue;
            }
            var type = (AvpType)avp.Type;
            if (Avp.FixedValueLength(type) is { } fixedLength && avp.Value.Length != fixedLength
                || type == AvpType.ResultCode && avp.Value.Length < 2)
                return new AvpProblem(ResultCodes.ErrorLengthWrong, $"AVP {type} has a value of {avp.Value.Length} octets");
        }
        return null;
    }

    public Avp? Find(AvpType type) =>
        Avps.Skip(1).FirstOrDefault(a => a.VendorId == 0 && a.Type == (ushort)type && !a.Hidden && !a.ReservedBitsSet);

    public bool Has(AvpType type) => Find(type) is not null;

    public ushort? U16(AvpType type) => Find(type) is { Value.Length: 2 } a ? BinaryPrimitives.ReadUInt16BigEndian(a.Value) : null;

    public uint? U32(AvpType type) => Find(type) is { Value.Length: 4 } a ? BinaryPrimitives.ReadUInt32BigEndian(a.Value) : null;

    /// <summary>A printable string AVP (Host Name, Vendor Name, the Result Code's message), control characters replaced.</summary>
    public string? Text(AvpType type) => Find(type) is { } a ? Printable(a.Value) : null;

    /// <summary>The Result Code AVP (§4.4.2): result, optional error code, optional message.</summary>
    public (ushort Result, ushort? Error, string? Message)? Result()
    {
        if (Find(AvpType.ResultCode) is not { Value.Length: >= 2 } a)
            return null;
        ushort result = BinaryPrimitives.ReadUInt16BigEndian(a.Value);
        ushort? error = a.Value.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(a.Value.AsSpan(2)) : null;
        string? message = a.Value.Length > 4 ? Printable(a.Value.AsSpan(4)) : null;
        return (result, error, message);
    }

    private static string Printable(ReadOnlySpan<byte> value)
    {
        string s = Encoding.UTF8.GetString(value[..Math.Min(value.Length, 256)]);
        return string.Create(s.Length, s, (span, src) =>
        {
            for (int i = 0; i < src.Length; i++)
                span[i] = char.IsControl(src[i]) ? '?' : src[i];
        });
    }

    /// <summary>The AVP area of a message we send: Message Type first (§4.4.1), then the AVPs <paramref name="rest"/> adds.</summary>
    public static byte[] Build(MessageType type, Action<AvpWriter>? rest = null)
    {
        var w = new AvpWriter().U16(AvpType.MessageType, (ushort)type);
        rest?.Invoke(w);
        return w.ToArray();
    }

    /// <summary>The Result Code value: result, error code and an optional ASCII message (§4.4.2).</summary>
    public static byte[] ResultCodeValue(ushort result, ushort error, string? message)
    {
        byte[] text = message is null ? [] : Encoding.ASCII.GetBytes(message);
        var b = new byte[4 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, result);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), error);
        text.CopyTo(b, 4);
        return b;
    }
}

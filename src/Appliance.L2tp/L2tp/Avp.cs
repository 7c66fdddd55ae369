using System.Buffers.Binary;

namespace Appliance.L2tp.L2tp;

/// <summary>Attribute types of the IETF vendor (RFC 2661 §4.4).</summary>
internal enum AvpType : ushort
{
    MessageType = 0, ResultCode = 1, ProtocolVersion = 2, FramingCapabilities = 3, BearerCapabilities = 4, TieBreaker = 5,
    FirmwareRevision = 6, HostName = 7, VendorName = 8, AssignedTunnelId = 9, ReceiveWindowSize = 10, Challenge = 11,
    Q931CauseCode = 12, ChallengeResponse = 13, AssignedSessionId = 14, CallSerialNumber = 15, MinimumBps = 16,
    MaximumBps = 17, BearerType = 18, FramingType = 19, CalledNumber = 21, CallingNumber = 22, SubAddress = 23,
    TxConnectSpeed = 24, PhysicalChannelId = 25, InitialReceivedLcpConfReq = 26, LastSentLcpConfReq = 27,
    LastReceivedLcpConfReq = 28, ProxyAuthenType = 29, ProxyAuthenName = 30, ProxyAuthenChallenge = 31, ProxyAuthenId = 32,
    ProxyAuthenResponse = 33, CallErrors = 34, Accm = 35, RandomVector = 36, PrivateGroupId = 37, RxConnectSpeed = 38,
    SequencingRequired = 39,
}

/// <summary>
/// One AVP (RFC 2661 §4.1): M (mandatory) and H (hidden) bits, 4 reserved bits, a 10-bit Length counting the 6-octet
/// header, Vendor ID, Attribute Type and the value.
/// </summary>
internal sealed record Avp(bool Mandatory, bool Hidden, bool ReservedBitsSet, ushort VendorId, ushort Type, byte[] Value)
{
    public const int HeaderSize = 6;
    private const ushort FlagMandatory = 0x8000, FlagHidden = 0x4000, ReservedMask = 0x3C00, LengthMask = 0x03FF;

    /// <summary>Splits the AVP area of a control message; false when an AVP's length runs short of its header or past the end.</summary>
    public static bool TryParseAll(ReadOnlySpan<byte> area, out List<Avp> avps)
    {
        avps = [];
        while (area.Length > 0)
        {
            if (area.Length < HeaderSize)
                return false;
            ushort word = BinaryPrimitives.ReadUInt16BigEndian(area);
            int length = word & LengthMask;
            if (length < HeaderSize || length > area.Length)
                return false;
            avps.Add(new Avp((word & FlagMandatory) != 0, (word & FlagHidden) != 0, (word & ReservedMask) != 0,
                BinaryPrimitives.ReadUInt16BigEndian(area[2..]), BinaryPrimitives.ReadUInt16BigEndian(area[4..]),
                area[HeaderSize..length].ToArray()));
            area = area[length..];
        }
        return true;
    }

    /// <summary>The value length a known IETF AVP must have, or null when it varies (§4.4).</summary>
    public static int? FixedValueLength(AvpType type) => type switch
    {
        AvpType.MessageType or AvpType.ProtocolVersion or AvpType.FirmwareRevision or AvpType.AssignedTunnelId
            or AvpType.ReceiveWindowSize or AvpType.AssignedSessionId or AvpType.ProxyAuthenType or AvpType.ProxyAuthenId => 2,
        AvpType.FramingCapabilities or AvpType.BearerCapabilities or AvpType.CallSerialNumber or AvpType.MinimumBps
            or AvpType.MaximumBps or AvpType.BearerType or AvpType.FramingType or AvpType.TxConnectSpeed
            or AvpType.PhysicalChannelId or AvpType.RxConnectSpeed => 4,
        AvpType.TieBreaker => 8,
        AvpType.ChallengeResponse => 16,
        AvpType.CallErrors => 26,
        AvpType.Accm => 10,
        AvpType.SequencingRequired => 0,
        _ => null,
    };

    /// <summary>Whether this is an IETF attribute of §4.4 (types 0..39 except the unassigned 20).</summary>
    public static bool IsKnown(ushort vendorId, ushort type) => vendorId == 0 && type <= (ushort)AvpType.SequencingRequired && type != 20;
}

/// <summary>Builds the AVP area of a control message; every AVP we send is mandatory unless said otherwise.</summary>
internal sealed class AvpWriter
{
    private readonly List<byte> _bytes = [];

    public AvpWriter Add(AvpType type, ReadOnlySpan<byte> value, bool mandatory = true)
    {
        int length = Avp.HeaderSize + value.Length;
        if (length > 0x03FF)
            throw new ArgumentException($"AVP {type} longer than 1023 octets", nameof(value));
        ushort word = (ushort)((mandatory ? 0x8000 : 0) | length);
        _bytes.Add((byte)(word >> 8));
        _bytes.Add((byte)word);
        _bytes.Add(0);
        _bytes.Add(0);
        _bytes.Add((byte)((ushort)type >> 8));
        _bytes.Add((byte)type);
        _bytes.AddRange(value);
        return this;
    }

    public AvpWriter U16(AvpType type, ushort value, bool mandatory = true) => Add(type, [(byte)(value >> 8), (byte)value], mandatory);

    public AvpWriter U32(AvpType type, uint value, bool mandatory = true)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Add(type, b, mandatory);
    }

    public byte[] ToArray() => [.. _bytes];
}

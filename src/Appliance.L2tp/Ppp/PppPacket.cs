using System.Buffers.Binary;

namespace Appliance.L2tp.Ppp;

/// <summary>PPP protocol numbers used here (RFC 1661 §2, assigned numbers).</summary>
internal static class PppProtocol
{
    public const ushort Ip = 0x0021, Ipv6 = 0x0057, Ipcp = 0x8021, Ipv6cp = 0x8057, Ccp = 0x80FD, Lcp = 0xC021, Pap = 0xC023, Chap = 0xC223;
}

/// <summary>Codes of the option-negotiation packets (RFC 1661 §5); LCP uses all, IPCP 1..7.</summary>
internal enum PppCode : byte
{
    ConfigureRequest = 1, ConfigureAck = 2, ConfigureNak = 3, ConfigureReject = 4, TerminateRequest = 5, TerminateAck = 6,
    CodeReject = 7, ProtocolReject = 8, EchoRequest = 9, EchoReply = 10, DiscardRequest = 11, Identification = 12, TimeRemaining = 13,
}

/// <summary>A PPP frame as L2TP carries it (RFC 2661 §5.4 with RFC 1662's address and control, no flags or FCS).</summary>
internal static class PppFrame
{
    /// <summary>
    /// Splits the protocol field from the information. Address and control (FF 03) may be absent (ACFC) and the protocol
    /// may be one octet (PFC): RFC 1661 §2 makes protocol numbers odd in the low octet and even in the high one.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out ushort protocol, out int infoOffset)
    {
        protocol = 0;
        infoOffset = 0;
        int at = frame.Length >= 2 && frame[0] == 0xFF && frame[1] == 0x03 ? 2 : 0;
        if (frame.Length <= at)
            return false;
        if ((frame[at] & 1) == 1)
        {
            protocol = frame[at];
            infoOffset = at + 1;
            return true;
        }
        if (frame.Length < at + 2 || (frame[at + 1] & 1) == 0)
            return false;
        protocol = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        infoOffset = at + 2;
        return true;
    }

    /// <summary>A frame we send: always FF 03 and the two-octet protocol (we never require the peer to decompress).</summary>
    public static byte[] Build(ushort protocol, ReadOnlySpan<byte> info)
    {
        var b = new byte[4 + info.Length];
        b[0] = 0xFF;
        b[1] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), protocol);
        info.CopyTo(b.AsSpan(4));
        return b;
    }
}

/// <summary>A Code/Identifier/Length packet (RFC 1661 §5, RFC 1994 §4): LCP, IPCP and CHAP share the layout.</summary>
internal readonly record struct PppPacket(byte Code, byte Identifier, byte[] Data)
{
    public const int HeaderSize = 4;

    /// <summary>Octets past Length are padding and ignored (RFC 1661 §5); a Length beyond the octets is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> info, out PppPacket packet)
    {
        packet = default;
        if (info.Length < HeaderSize)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(info[2..]);
        if (length < HeaderSize || length > info.Length)
            return false;
        packet = new PppPacket(info[0], info[1], info[HeaderSize..length].ToArray());
        return true;
    }

    public byte[] Encode()
    {
        var b = new byte[HeaderSize + Data.Length];
        b[0] = Code;
        b[1] = Identifier;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        Data.CopyTo(b, HeaderSize);
        return b;
    }
}

/// <summary>One configuration option (RFC 1661 §6): Type, Length (counting both), Data.</summary>
internal readonly record struct PppOption(byte Type, byte[] Data)
{
    /// <summary>False when an option's Length is below 2 or runs past the packet (the packet is then discarded).</summary>
    public static bool TryParseAll(ReadOnlySpan<byte> data, out List<PppOption> options)
    {
        options = [];
        while (data.Length > 0)
        {
            if (data.Length < 2 || data[1] < 2 || data[1] > data.Length)
                return false;
            options.Add(new PppOption(data[0], data[2..data[1]].ToArray()));
            data = data[data[1]..];
        }
        return true;
    }

    public static byte[] Encode(IEnumerable<PppOption> options)
    {
        var b = new List<byte>();
        foreach (PppOption o in options)
        {
            b.Add(o.Type);
            b.Add((byte)(2 + o.Data.Length));
            b.AddRange(o.Data);
        }
        return [.. b];
    }

    public bool DataEquals(PppOption other) => Type == other.Type && Data.AsSpan().SequenceEqual(other.Data);
}

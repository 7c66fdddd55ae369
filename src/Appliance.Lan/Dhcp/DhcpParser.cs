using System.Buffers.Binary;
using System.Net;

namespace Appliance.Lan.Dhcp;

/// <summary>
/// Validates a received datagram as a DHCP BOOTREQUEST (RFC 2131 §2, options RFC 2132 §2-3) before any field
/// is interpreted: lengths first, then the fixed fields, then each option's bounds.
/// </summary>
public static class DhcpParser
{
    public const int FixedLength = 236;          // op .. file
    public const int MinimumLength = FixedLength + 4; // + magic cookie
    public const int MaximumLength = 1500;
    public const uint MagicCookie = 0x63825363;  // 99.130.83.99
    private const int SnameOffset = 44, SnameLength = 64, FileOffset = 108, FileLength = 128;

    public static bool TryParse(ReadOnlySpan<byte> datagram, out DhcpPacket packet, out DhcpDrop drop)
    {
        packet = null!;
        if (datagram.Length < MinimumLength) { drop = DhcpDrop.Truncated; return false; }
        if (datagram.Length > MaximumLength) { drop = DhcpDrop.Oversized; return false; }
        // op 1 = BOOTREQUEST; htype 1 = Ethernet with hlen 6: the only link the box serves.
        if (datagram[0] != 1 || datagram[1] != 1 || datagram[2] != 6) { drop = DhcpDrop.NotEthernetRequest; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(FixedLength, 4)) != MagicCookie)
        {
            drop = DhcpDrop.BadMagicCookie;
            return false;
        }

        var options = new Dictionary<byte, byte[]>();
        if (!TryReadOptions(datagram[MinimumLength..], options, out bool ended) || !ended)
        {
            drop = DhcpDrop.MalformedOptions;
            return false;
        }
        // Option overload (RFC 2132 §9.3): 1 = file, 2 = sname, 3 = both carry more options.
        if (options.TryGetValue(DhcpOption.OptionOverload, out byte[]? overload))
        {
            if (overload.Length != 1 || overload[0] is < 1 or > 3) { drop = DhcpDrop.MalformedOptions; return false; }
            if ((overload[0] & 1) != 0 && !TryReadOptions(datagram.Slice(FileOffset, FileLength), options, out _))
            { drop = DhcpDrop.MalformedOptions; return false; }
            if ((overload[0] & 2) != 0 && !TryReadOptions(datagram.Slice(SnameOffset, SnameLength), options, out _))
            { drop = DhcpDrop.MalformedOptions; return false; }
        }

        if (!options.TryGetValue(DhcpOption.MessageType, out byte[]? type) || type.Length != 1 ||
            type[0] is not ((byte)DhcpMessageType.Discover or (byte)DhcpMessageType.Request or (byte)DhcpMessageType.Decline
                or (byte)DhcpMessageType.Release or (byte)DhcpMessageType.Inform))
        {
            drop = DhcpDrop.BadMessageType;
            return false;
        }

        packet = new DhcpPacket
        {
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(datagram[8..]),
            Broadcast = (datagram[10] & 0x80) != 0,
            ClientAddress = new IPAddress(datagram.Slice(12, 4)),
            RelayAddress = new IPAddress(datagram.Slice(24, 4)),
            ClientHardware = MacAddress.FromBytes(datagram.Slice(28, 6)),
            MessageType = (DhcpMessageType)type[0],
            Options = options,
        };
        drop = default;
        return true;
    }

    /// <summary>
    /// Reads code/length/value triples until End. A repeated option is appended to the earlier one (RFC 3396).
    /// False when a length runs past the field.
    /// </summary>
    private static bool TryReadOptions(ReadOnlySpan<byte> field, Dictionary<byte, byte[]> options, out bool ended)
    {
        ended = false;
        int i = 0;
        while (i < field.Length)
        {
            byte code = field[i];
            if (code == DhcpOption.Pad) { i++; continue; }
            if (code == DhcpOption.End) { ended = true; return true; }
            if (i + 1 >= field.Length) return false;
            int length = field[i + 1];
            if (i + 2 + length > field.Length) return false;
            ReadOnlySpan<byte> value = field.Slice(i + 2, length);
            options[code] = options.TryGetValue(code, out byte[]? earlier) ? [.. earlier, .. value] : value.ToArray();
            i += 2 + length;
        }
        // A field that is used up without End is tolerated for sname/file (they may be fully packed).
        return true;
    }
}

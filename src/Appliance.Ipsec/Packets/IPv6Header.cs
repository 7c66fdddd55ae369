using System.Buffers.Binary;

namespace Appliance.Ipsec.Packets;

/// <summary>Offsets and span helpers for the IPv6 fixed header (RFC 8200 §3).</summary>
public static class IPv6Header
{
    public const int Length = 40;
    public const int PayloadLengthOffset = 4;
    public const int NextHeaderOffset = 6;
    public const int HopLimitOffset = 7;
    public const int SourceOffset = 8;
    public const int DestinationOffset = 24;

    /// <summary>Validates version and payload length against <paramref name="packet"/>; total = 40 + payload length.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out int totalLength)
    {
        totalLength = 0;
        if (packet.Length < Length || (packet[0] >> 4) != 6)
            return false;
        int total = Length + BinaryPrimitives.ReadUInt16BigEndian(packet[PayloadLengthOffset..]);
        if (total > packet.Length)
            return false;
        totalLength = total;
        return true;
    }

    /// <summary>Writes the fixed header (traffic class and flow label zero).</summary>
    public static void Write(Span<byte> header, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination,
        byte nextHeader, int payloadLength, byte hopLimit = 64)
    {
        if (source.Length != 16 || destination.Length != 16)
            throw new ArgumentException("IPv6 addresses are 16 bytes.");
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x6000_0000u);
        BinaryPrimitives.WriteUInt16BigEndian(header[PayloadLengthOffset..], checked((ushort)payloadLength));
        header[NextHeaderOffset] = nextHeader;
        header[HopLimitOffset] = hopLimit;
        source.CopyTo(header[SourceOffset..]);
        destination.CopyTo(header[DestinationOffset..]);
    }
}

/// <summary>Version-independent view of an IP packet's length, used for tunnel-mode TFC-safe parsing.</summary>
public static class IpPacket
{
    /// <summary>
    /// The packet's own length from its header (IPv4 total length or 40 + IPv6 payload length).
    /// False when the header is malformed or claims more bytes than <paramref name="packet"/> holds.
    /// </summary>
    public static bool TryGetLength(ReadOnlySpan<byte> packet, out int length)
    {
        length = 0;
        if (packet.IsEmpty)
            return false;
        return (packet[0] >> 4) switch
        {
            4 => IPv4Header.TryParse(packet, out _, out length),
            6 => IPv6Header.TryParse(packet, out length),
            _ => false,
        };
    }
}

using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Packets;

/// <summary>
/// Splits a TCP GSO super-packet (what a LAN host's TSO or the NIC's GRO hands to AF_PACKET) into
/// wire-sized segments, as the NIC would have: same headers, sequence advanced per segment, IPv4
/// ID incremented, FIN/PSH only on the last segment, CWR only on the first, checksums recomputed.
/// </summary>
internal static class TcpSegmenter
{
    /// <summary>Validates the super-packet and returns its header length and segment count.</summary>
    public static bool TryPlan(ReadOnlySpan<byte> packet, int segmentSize, out int headerLength, out int segments)
    {
        headerLength = segments = 0;
        if (segmentSize <= 0 || !IpView.TryParse(packet, out var ip) || ip.Protocol != IpProtocol.Tcp || ip.IsFragment)
            return false;
        if (ip.TotalLength < ip.HeaderLength + 20) return false;
        int tcpLength = (packet[ip.HeaderLength + 12] >> 4) * 4;
        if (tcpLength < 20 || ip.HeaderLength + tcpLength > ip.TotalLength) return false;
        headerLength = ip.HeaderLength + tcpLength;
        int payload = ip.TotalLength - headerLength;
        segments = Math.Max(1, (payload + segmentSize - 1) / segmentSize);
        return true;
    }

    /// <summary>Writes segment <paramref name="index"/> into <paramref name="destination"/>; returns its length.</summary>
    public static int WriteSegment(ReadOnlySpan<byte> packet, int headerLength, int segmentSize, int index, int segments,
        Span<byte> destination)
    {
        int version = packet[0] >> 4;
        int ipHeader = version == 4 ? (packet[0] & 0x0F) * 4 : IPv6Header.Length;
        int total = version == 4 ? BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) : IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int start = headerLength + index * segmentSize;
        int chunk = Math.Min(segmentSize, total - start);
        int length = headerLength + chunk;
        packet[..headerLength].CopyTo(destination);
        packet.Slice(start, chunk).CopyTo(destination[headerLength..]);
        var seg = destination[..length];

        if (version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(seg[2..], (ushort)length);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(seg[4..], (ushort)(id + index));
            InternetChecksum.WriteIPv4HeaderChecksum(seg);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(seg[4..], (ushort)(length - IPv6Header.Length));
        }

        var tcp = seg[ipHeader..];
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq + (uint)(index * segmentSize));
        const byte Fin = 0x01, Psh = 0x08, Cwr = 0x80;
        if (index != segments - 1) tcp[13] &= unchecked((byte)~(Fin | Psh));
        if (index != 0) tcp[13] &= unchecked((byte)~Cwr);
        WriteTcpChecksum(seg, ipHeader);
        return length;
    }

    /// <summary>Recomputes a TCP checksum from scratch (RFC 9293 §3.1 pseudo-header).</summary>
    public static void WriteTcpChecksum(Span<byte> packet, int ipHeader)
    {
        var tcp = packet[ipHeader..];
        tcp[16] = 0;
        tcp[17] = 0;
        ulong pseudo = packet[0] >> 4 == 4
            ? InternetChecksum.PseudoHeaderIPv4(packet.Slice(12, 4), packet.Slice(16, 4), IpProtocol.Tcp, tcp.Length)
            : InternetChecksum.PseudoHeaderIPv6(packet.Slice(8, 16), packet.Slice(24, 16), IpProtocol.Tcp, tcp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.ComputeWithPseudoHeader(pseudo, tcp));
    }
}

using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Esp;

/// <summary>
/// Transport mode (RFC 4303 §3.1.1): ESP goes between the IP header and the upper-layer payload.
/// The IP header is moved into the headroom rather than the payload moved, so only 20-60 bytes are
/// copied. IPv6 packets with extension headers are refused (<see cref="DropReason.UnsupportedHeader"/>);
/// IPv4 options are carried unchanged.
/// </summary>
public static class EspTransport
{
    /// <summary>
    /// Seals the IP packet at <paramref name="packetOffset"/>; the result (IP header + ESP) starts at
    /// <paramref name="outOffset"/>, <see cref="EspSa.HeaderLength"/> bytes earlier.
    /// </summary>
    public static DropReason Seal(EspSa sa, Span<byte> buffer, int packetOffset, int packetLength, out int outOffset, out int outLength)
    {
        outOffset = 0;
        outLength = 0;
        if (sa.Mode != IpsecMode.Transport)
            throw new InvalidOperationException("SA is not a transport-mode SA.");
        if ((uint)packetOffset > (uint)buffer.Length || (uint)packetLength > (uint)(buffer.Length - packetOffset))
            return sa.Drop(DropReason.NoBufferSpace);
        Span<byte> packet = buffer.Slice(packetOffset, packetLength);
        if (!TryParseHeader(packet, out int headerLength, out byte protocol, out DropReason reason))
            return sa.Drop(reason);

        // The IP header moves first: the ESP header is written where the header's tail was.
        int newHeaderOffset = packetOffset - sa.HeaderLength;
        if (newHeaderOffset < 0)
            return sa.Drop(DropReason.NoBufferSpace);
        buffer.Slice(packetOffset, headerLength).CopyTo(buffer[newHeaderOffset..]);

        DropReason verdict = sa.Seal(buffer, packetOffset + headerLength, packetLength - headerLength, protocol, out int espOffset, out int espLength);
        if (verdict != DropReason.None)
            return verdict;

        outOffset = espOffset - headerLength;
        outLength = headerLength + espLength;
        FixHeader(buffer.Slice(outOffset, outLength), IpProtocol.Esp);
        return DropReason.None;
    }

    /// <summary>
    /// Opens an IP packet carrying ESP; on success the restored packet (IP header + upper-layer
    /// payload) lies at <paramref name="outOffset"/>.
    /// </summary>
    public static DropReason Open(EspSa sa, Span<byte> buffer, int packetOffset, int packetLength, out int outOffset, out int outLength)
    {
        outOffset = 0;
        outLength = 0;
        if (sa.Mode != IpsecMode.Transport)
            throw new InvalidOperationException("SA is not a transport-mode SA.");
        if ((uint)packetOffset > (uint)buffer.Length || (uint)packetLength > (uint)(buffer.Length - packetOffset))
            return sa.Drop(DropReason.Truncated);
        Span<byte> packet = buffer.Slice(packetOffset, packetLength);
        if (!TryParseHeader(packet, out int headerLength, out byte protocol, out DropReason reason))
            return sa.Drop(reason);
        if (protocol != IpProtocol.Esp)
            return sa.Drop(DropReason.BadNextHeader);
        int totalLength = IpTotalLength(packet);

        DropReason verdict = sa.Open(packet[headerLength..totalLength], out EspOpenResult opened);
        if (verdict != DropReason.None)
            return verdict;

        int payloadStart = packetOffset + headerLength + opened.PayloadOffset;
        outOffset = payloadStart - headerLength;
        outLength = headerLength + opened.PayloadLength;
        buffer.Slice(packetOffset, headerLength).CopyTo(buffer[outOffset..]);
        FixHeader(buffer.Slice(outOffset, outLength), opened.NextHeader);
        return DropReason.None;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> packet, out int headerLength, out byte protocol, out DropReason reason)
    {
        headerLength = 0;
        protocol = 0;
        reason = DropReason.BadIpHeader;
        if (packet.IsEmpty)
            return false;
        if (packet[0] >> 4 == 4)
        {
            if (!IPv4Header.TryParse(packet, out headerLength, out int total) || total != packet.Length)
                return false;
            if (IPv4Header.IsFragment(packet))
            {
                reason = DropReason.UnsupportedHeader;
                return false;
            }
            protocol = packet[IPv4Header.ProtocolOffset];
            return true;
        }
        if (!IPv6Header.TryParse(packet, out int total6) || total6 != packet.Length)
            return false;
        protocol = packet[IPv6Header.NextHeaderOffset];
        if (IpProtocol.IsIPv6ExtensionHeader(protocol))
        {
            reason = DropReason.UnsupportedHeader;
            return false;
        }
        headerLength = IPv6Header.Length;
        return true;
    }

    private static int IpTotalLength(ReadOnlySpan<byte> packet) => packet[0] >> 4 == 4
        ? BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.TotalLengthOffset..])
        : IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(packet[IPv6Header.PayloadLengthOffset..]);

    /// <summary>Sets protocol/next header and length for the new packet size; IPv4 checksum patched per RFC 1624.</summary>
    internal static void FixHeader(Span<byte> packet, byte protocol)
    {
        if (packet[0] >> 4 == 4)
        {
            IPv4Header.SetProtocolAndLength(packet, protocol, packet.Length);
            return;
        }
        packet[IPv6Header.NextHeaderOffset] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(packet[IPv6Header.PayloadLengthOffset..], checked((ushort)(packet.Length - IPv6Header.Length)));
    }
}

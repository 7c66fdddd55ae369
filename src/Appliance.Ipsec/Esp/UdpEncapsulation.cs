using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Esp;

/// <summary>What a datagram received on UDP port 4500 carries (RFC 3948 §2).</summary>
public enum UdpEncapsulatedKind
{
    /// <summary>Too short or otherwise not one of the three forms: drop.</summary>
    Invalid,
    /// <summary>Non-ESP marker (four zero bytes) followed by an IKE message (RFC 3948 §2.2).</summary>
    Ike,
    /// <summary>A single 0xFF byte (RFC 3948 §2.3).</summary>
    NatKeepalive,
    /// <summary>ESP header starting with a non-zero SPI (RFC 3948 §2.1).</summary>
    Esp,
}

/// <summary>ESP-in-UDP framing helpers (RFC 3948).</summary>
public static class UdpEncapsulation
{
    public const ushort Port = 4500;
    public const int UdpHeaderLength = 8;
    public const int NonEspMarkerLength = 4;

    /// <summary>
    /// Classifies a UDP/4500 payload. An ESP packet needs at least SPI and sequence number; an IKE
    /// message at least the marker and an IKE header (28 bytes, RFC 7296 §3.1).
    /// </summary>
    public static UdpEncapsulatedKind Classify(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
            return payload[0] == 0xFF ? UdpEncapsulatedKind.NatKeepalive : UdpEncapsulatedKind.Invalid;
        if (payload.Length < 8)
            return UdpEncapsulatedKind.Invalid;
        uint first = BinaryPrimitives.ReadUInt32BigEndian(payload);
        if (first == 0)
            return payload.Length >= NonEspMarkerLength + 28 ? UdpEncapsulatedKind.Ike : UdpEncapsulatedKind.Invalid;
        return UdpEncapsulatedKind.Esp;
    }

    /// <summary>
    /// Writes the 8-byte UDP header in the headroom before the ESP packet and returns its offset.
    /// The checksum is zero, as RFC 3948 §2.1 requires for IPv4.
    /// </summary>
    public static int WriteIPv4(Span<byte> buffer, int espOffset, int espLength, ushort sourcePort, ushort destinationPort = Port)
    {
        int udpOffset = espOffset - UdpHeaderLength;
        if (udpOffset < 0)
            throw new ArgumentOutOfRangeException(nameof(espOffset), "Not enough headroom for the UDP header.");
        WriteHeader(buffer.Slice(udpOffset, UdpHeaderLength + espLength), sourcePort, destinationPort);
        return udpOffset;
    }

    /// <summary>IPv6 forbids a zero UDP checksum (RFC 8200 §8.1), so it is computed over the pseudo-header.</summary>
    public static int WriteIPv6(Span<byte> buffer, int espOffset, int espLength, ushort sourcePort, ushort destinationPort,
        ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress)
    {
        int udpOffset = WriteIPv4(buffer, espOffset, espLength, sourcePort, destinationPort);
        Span<byte> datagram = buffer.Slice(udpOffset, UdpHeaderLength + espLength);
        ulong pseudo = InternetChecksum.PseudoHeaderIPv6(sourceAddress, destinationAddress, IpProtocol.Udp, datagram.Length);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], InternetChecksum.ComputeWithPseudoHeader(pseudo, datagram, udp: true));
        return udpOffset;
    }

    /// <summary>Prepends the non-ESP marker to an IKE message in the headroom; returns the new start.</summary>
    public static int WriteNonEspMarker(Span<byte> buffer, int ikeOffset)
    {
        int markerOffset = ikeOffset - NonEspMarkerLength;
        if (markerOffset < 0)
            throw new ArgumentOutOfRangeException(nameof(ikeOffset), "Not enough headroom for the non-ESP marker.");
        buffer.Slice(markerOffset, NonEspMarkerLength).Clear();
        return markerOffset;
    }

    private static void WriteHeader(Span<byte> datagram, ushort sourcePort, ushort destinationPort)
    {
        BinaryPrimitives.WriteUInt16BigEndian(datagram, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], checked((ushort)datagram.Length));
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], 0);
    }
}

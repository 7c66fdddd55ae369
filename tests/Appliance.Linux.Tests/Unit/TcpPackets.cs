using System.Buffers.Binary;
using System.Net;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Tests.Unit;

/// <summary>Builds IPv4/TCP test packets with correct checksums and verifies checksums.</summary>
internal static class TcpPackets
{
    public const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10, Cwr = 0x80;

    public static byte[] Build(byte flags, ReadOnlySpan<byte> options, int payload, uint seq = 1000, ushort id = 7)
    {
        int tcpLength = 20 + options.Length;
        var packet = new byte[20 + tcpLength + payload];
        IPv4Header.Write(packet, IPAddress.Parse("10.1.0.2").GetAddressBytes(), IPAddress.Parse("10.2.0.2").GetAddressBytes(),
            IpProtocol.Tcp, packet.Length, id, dontFragment: true);
        var tcp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        tcp[12] = (byte)((tcpLength / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        options.CopyTo(tcp[20..]);
        for (int i = 0; i < payload; i++) tcp[tcpLength + i] = (byte)(i * 7);
        Linux.Packets.TcpSegmenter.WriteTcpChecksum(packet, 20);
        return packet;
    }

    public static bool TcpChecksumValid(ReadOnlySpan<byte> packet)
    {
        int ihl = (packet[0] & 0x0F) * 4;
        var tcp = packet[ihl..];
        ulong pseudo = InternetChecksum.PseudoHeaderIPv4(packet.Slice(12, 4), packet.Slice(16, 4), IpProtocol.Tcp, tcp.Length);
        return InternetChecksum.ComputeWithPseudoHeader(pseudo, tcp) == 0;
    }
}

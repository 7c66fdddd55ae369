using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Packets;

namespace Appliance.Linux.Tests.Unit;

/// <summary>Splitting TSO/GRO super-packets the way a NIC would (RFC 9293 sequence arithmetic).</summary>
public sealed class TcpSegmenterTests
{
    [Fact]
    public void A_super_packet_becomes_mss_sized_segments_with_valid_headers()
    {
        byte[] super = TcpPackets.Build(TcpPackets.Ack | TcpPackets.Psh | TcpPackets.Fin | TcpPackets.Cwr, [], 2500, seq: 5000, id: 100);

        Assert.True(TcpSegmenter.TryPlan(super, 1000, out int headerLength, out int segments));
        Assert.Equal(40, headerLength);
        Assert.Equal(3, segments);

        var payload = new List<byte>();
        for (int i = 0; i < segments; i++)
        {
            var buffer = new byte[2000];
            int length = TcpSegmenter.WriteSegment(super, headerLength, 1000, i, segments, buffer);
            var seg = buffer.AsSpan(0, length);
            Assert.Equal(i < 2 ? 1040 : 540, length);
            Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(seg[2..]));
            Assert.Equal(100 + i, BinaryPrimitives.ReadUInt16BigEndian(seg[4..]));
            Assert.True(InternetChecksum.VerifyIPv4Header(seg));
            Assert.True(TcpPackets.TcpChecksumValid(seg));
            Assert.Equal((uint)(5000 + i * 1000), BinaryPrimitives.ReadUInt32BigEndian(seg[24..]));
            byte flags = seg[33];
            Assert.Equal(i == 2, (flags & (TcpPackets.Fin | TcpPackets.Psh)) != 0);
            Assert.Equal(i == 0, (flags & TcpPackets.Cwr) != 0);
            payload.AddRange(seg[40..].ToArray());
        }
        Assert.Equal(super.AsSpan(40).ToArray(), payload.ToArray());
    }

    [Fact]
    public void Non_tcp_or_broken_packets_are_refused()
    {
        byte[] tcp = TcpPackets.Build(TcpPackets.Ack, [], 100);
        byte[] udp = (byte[])tcp.Clone();
        udp[9] = IpProtocol.Udp;
        Assert.False(TcpSegmenter.TryPlan(udp, 1000, out _, out _));
        Assert.False(TcpSegmenter.TryPlan(tcp.AsSpan(0, 30).ToArray(), 1000, out _, out _));
        Assert.False(TcpSegmenter.TryPlan(tcp, 0, out _, out _));
    }
}

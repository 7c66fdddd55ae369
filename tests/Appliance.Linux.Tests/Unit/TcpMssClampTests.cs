using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Packets;

namespace Appliance.Linux.Tests.Unit;

/// <summary>MSS option rewriting (RFC 9293 §3.7.1) with the checksum kept valid (RFC 1624).</summary>
public sealed class TcpMssClampTests
{
    private static readonly byte[] MssOption = [2, 4, 0x05, 0xB4, 1, 1, 4, 2]; // MSS 1460, NOP, NOP, SACK permitted

    [Fact]
    public void Syn_mss_above_the_limit_is_lowered_and_the_checksum_stays_valid()
    {
        byte[] syn = TcpPackets.Build(TcpPackets.Syn, MssOption, 0);

        Assert.True(TcpMssClamp.TryClamp(syn, 1406));

        Assert.Equal(1406, BinaryPrimitives.ReadUInt16BigEndian(syn.AsSpan(20 + 22)));
        Assert.True(TcpPackets.TcpChecksumValid(syn));
        Assert.True(InternetChecksum.VerifyIPv4Header(syn));
    }

    [Fact]
    public void Mss_at_an_odd_offset_is_clamped_with_a_full_checksum()
    {
        byte[] options = [1, 2, 4, 0x05, 0xB4, 1, 1, 1]; // NOP, then MSS 1460 at option offset 1
        byte[] syn = TcpPackets.Build(TcpPackets.Syn, options, 0);

        Assert.True(TcpMssClamp.TryClamp(syn, 1200));

        Assert.Equal(1200, BinaryPrimitives.ReadUInt16BigEndian(syn.AsSpan(20 + 23)));
        Assert.True(TcpPackets.TcpChecksumValid(syn));
    }

    [Theory]
    [InlineData(TcpPackets.Ack, 1406)]          // not a SYN
    [InlineData(TcpPackets.Syn, 1460)]          // already small enough
    public void Other_packets_are_left_alone(byte flags, int limit)
    {
        byte[] packet = TcpPackets.Build(flags, MssOption, 0);
        byte[] before = (byte[])packet.Clone();

        Assert.False(TcpMssClamp.TryClamp(packet, limit));
        Assert.Equal(before, packet);
    }

    [Fact]
    public void Truncated_options_do_not_throw()
    {
        byte[] syn = TcpPackets.Build(TcpPackets.Syn, [2, 40, 5, 0xB4], 0); // length runs past the header
        Assert.False(TcpMssClamp.TryClamp(syn, 1000));
        Assert.False(TcpMssClamp.TryClamp(syn.AsSpan(0, 30).ToArray(), 1000));
    }
}

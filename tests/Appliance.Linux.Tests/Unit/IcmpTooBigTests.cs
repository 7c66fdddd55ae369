using System.Buffers.Binary;
using System.Net;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Packets;

namespace Appliance.Linux.Tests.Unit;

/// <summary>"Fragmentation needed" (RFC 792, next-hop MTU per RFC 1191 §4) and ICMPv6 Packet Too Big (RFC 4443 §3.2).</summary>
public sealed class IcmpTooBigTests
{
    [Fact]
    public void Ipv4_error_quotes_header_and_8_bytes_carries_the_mtu_and_checks_out()
    {
        byte[] offending = TcpPackets.Build(TcpPackets.Ack, [], 1460);
        var buffer = new byte[IcmpTooBig.MaxLength];

        int length = IcmpTooBig.Write(offending, 1446, buffer);

        Assert.Equal(20 + 8 + 28, length);
        var packet = buffer.AsSpan(0, length);
        Assert.True(InternetChecksum.VerifyIPv4Header(packet));
        Assert.Equal(IpProtocol.Icmp, packet[9]);
        Assert.Equal(new byte[4], packet.Slice(12, 4).ToArray()); // the kernel fills in the LAN address
        Assert.Equal(offending.AsSpan(12, 4).ToArray(), packet.Slice(16, 4).ToArray());
        var icmp = packet[20..];
        Assert.Equal(3, icmp[0]);
        Assert.Equal(4, icmp[1]);
        Assert.Equal(1446, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
        Assert.Equal(offending.AsSpan(0, 28).ToArray(), icmp[8..].ToArray());
        Assert.Equal(0, InternetChecksum.Compute(icmp));
    }

    [Fact]
    public void No_error_about_an_icmp_error()
    {
        var buffer = new byte[IcmpTooBig.MaxLength];
        int first = IcmpTooBig.Write(TcpPackets.Build(TcpPackets.Ack, [], 1460), 1446, buffer);
        byte[] error = buffer.AsSpan(0, first).ToArray();
        error[12] = 10; // give it a source as the kernel would

        Assert.Equal(0, IcmpTooBig.Write(error, 1446, buffer));
    }

    [Fact]
    public void Ipv6_packet_too_big_has_the_mtu_and_a_valid_checksum()
    {
        var offending = new byte[40 + 1400];
        byte[] src = IPAddress.Parse("fd00:1::2").GetAddressBytes(), dst = IPAddress.Parse("fd00:2::2").GetAddressBytes();
        IPv6Header.Write(offending, src, dst, IpProtocol.Udp, 1400);
        byte[] box = IPAddress.Parse("fd00:1::1").GetAddressBytes();
        var buffer = new byte[IcmpTooBig.MaxLength];

        int length = IcmpTooBig.Write(offending, 1400, buffer, box);

        Assert.Equal(IcmpTooBig.MaxLength, length);
        var icmp = buffer.AsSpan(40, length - 40);
        Assert.Equal(2, icmp[0]);
        Assert.Equal(1400u, BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]));
        ulong pseudo = InternetChecksum.PseudoHeaderIPv6(box, src, IpProtocol.IcmpV6, icmp.Length);
        Assert.Equal(0, InternetChecksum.ComputeWithPseudoHeader(pseudo, icmp));
        Assert.Equal(0, IcmpTooBig.Write(offending, 1400, buffer)); // no source address, no error
    }
}

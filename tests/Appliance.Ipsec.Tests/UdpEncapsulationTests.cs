using Appliance.Ipsec.Esp;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

/// <summary>RFC 3948 §2: what arrives on UDP/4500 and how ESP is framed for it.</summary>
public class UdpEncapsulationTests
{
    [Fact]
    public void Classifies_keepalive_ike_and_esp()
    {
        Assert.Equal(UdpEncapsulatedKind.NatKeepalive, UdpEncapsulation.Classify([0xFF]));
        Assert.Equal(UdpEncapsulatedKind.Invalid, UdpEncapsulation.Classify([0x00]));
        Assert.Equal(UdpEncapsulatedKind.Invalid, UdpEncapsulation.Classify([]));
        Assert.Equal(UdpEncapsulatedKind.Ike, UdpEncapsulation.Classify(new byte[4 + 28]));
        Assert.Equal(UdpEncapsulatedKind.Invalid, UdpEncapsulation.Classify(new byte[12])); // marker but no IKE header
        Assert.Equal(UdpEncapsulatedKind.Esp, UdpEncapsulation.Classify(Hex.Parse("0102030400000005")));
        Assert.Equal(UdpEncapsulatedKind.Invalid, UdpEncapsulation.Classify(Hex.Parse("01020304")));
    }

    [Fact]
    public void Ipv4_framing_writes_a_zero_checksum_udp_header_around_a_sealed_packet()
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(Crypto.EspSuite.AesGcm128);
        byte[] inner = TestPackets.Make(false, 40, new Random(3));
        byte[] buffer = TestPackets.WithRoom(inner, out int offset);
        Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, inner.Length, out int espOffset, out int espLength));

        int udpOffset = UdpEncapsulation.WriteIPv4(buffer, espOffset, espLength, 4500);
        ReadOnlySpan<byte> udp = buffer.AsSpan(udpOffset, 8 + espLength);
        Assert.Equal(espOffset - 8, udpOffset);
        Assert.Equal("11941194", Hex.Of(udp[..4]));
        Assert.Equal(8 + espLength, udp[4] << 8 | udp[5]);
        Assert.Equal(0, udp[6] | udp[7]);
        Assert.Equal(UdpEncapsulatedKind.Esp, UdpEncapsulation.Classify(udp[8..]));
        Assert.Equal(DropReason.None, inbound.Open(buffer.AsSpan(udpOffset + 8, espLength), out _));
    }

    [Fact]
    public void Ipv6_framing_carries_a_valid_checksum()
    {
        byte[] buffer = new byte[64];
        buffer.AsSpan(16, 20).Fill(0xAB);
        int udpOffset = UdpEncapsulation.WriteIPv6(buffer, 16, 20, 4500, 4500, TestPackets.V6Source, TestPackets.V6Destination);
        ReadOnlySpan<byte> udp = buffer.AsSpan(udpOffset, 28);
        ulong pseudo = InternetChecksum.PseudoHeaderIPv6(TestPackets.V6Source, TestPackets.V6Destination, IpProtocol.Udp, 28);
        Assert.NotEqual(0, udp[6] | udp[7]);
        Assert.Equal(0, InternetChecksum.ComputeWithPseudoHeader(pseudo, udp));
    }

    [Fact]
    public void Non_esp_marker_is_prepended_to_ike()
    {
        byte[] buffer = [9, 9, 9, 9, 9, 0x11, 0x22];
        int start = UdpEncapsulation.WriteNonEspMarker(buffer, 5);
        Assert.Equal(1, start);
        Assert.Equal("0000000011", Hex.Of(buffer.AsSpan(1, 5)));
    }
}

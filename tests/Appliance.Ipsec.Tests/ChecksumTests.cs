using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

public class ChecksumTests
{
    [Fact]
    public void Rfc1071_numerical_example()
    {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement sum), checksum 220d.
        byte[] data = Hex.Parse("0001f203f4f5f6f7");
        Assert.Equal(0x220d, InternetChecksum.Compute(data));
    }

    [Fact]
    public void Known_ipv4_header_checksum()
    {
        // The header of the IPv4 packet in RFC 7634 Appendix A carries checksum e778.
        byte[] header = Hex.Parse("45000054a6f200004001e778c6336405c0000205");
        Assert.True(InternetChecksum.VerifyIPv4Header(header));
        header[10] = 0;
        header[11] = 0;
        InternetChecksum.WriteIPv4HeaderChecksum(header);
        Assert.Equal(0xe7, header[10]);
        Assert.Equal(0x78, header[11]);
    }

    [Fact]
    public void Incremental_update_matches_recomputation_for_random_edits()
    {
        // RFC 1624 §3 eqn. 3 must agree with a full recomputation whatever the field values.
        var rng = new Random(1624);
        for (int i = 0; i < 10_000; i++)
        {
            byte[] header = new byte[20];
            rng.NextBytes(header);
            header[0] = 0x45;
            InternetChecksum.WriteIPv4HeaderChecksum(header);
            ushort checksum = (ushort)(header[10] << 8 | header[11]);
            int field = rng.Next(0, 10) * 2;
            if (field == 10)
                continue;
            ushort oldValue = (ushort)(header[field] << 8 | header[field + 1]);
            ushort newValue = (ushort)rng.Next(0, 65536);
            if (field == 0)
                newValue = (ushort)(0x4500 | (newValue & 0xFF));
            header[field] = (byte)(newValue >> 8);
            header[field + 1] = (byte)newValue;
            ushort updated = InternetChecksum.Update(checksum, oldValue, newValue);
            header[10] = (byte)(updated >> 8);
            header[11] = (byte)updated;
            Assert.True(InternetChecksum.VerifyIPv4Header(header), $"iteration {i}");
        }
    }

    [Fact]
    public void Udp_checksum_over_the_ipv4_pseudo_header_verifies_to_zero()
    {
        byte[] src = [10, 0, 0, 1], dst = [10, 0, 0, 2];
        byte[] udp = Hex.Parse("1194119400100000deadbeefcafef00d");
        ulong pseudo = InternetChecksum.PseudoHeaderIPv4(src, dst, IpProtocol.Udp, udp.Length);
        ushort sum = InternetChecksum.ComputeWithPseudoHeader(pseudo, udp, udp: true);
        udp[6] = (byte)(sum >> 8);
        udp[7] = (byte)sum;
        Assert.Equal(0, InternetChecksum.ComputeWithPseudoHeader(pseudo, udp));
    }

    [Fact]
    public void Ipv6_pseudo_header_matches_a_hand_computed_sum()
    {
        byte[] src = TestPackets.V6Source, dst = TestPackets.V6Destination;
        byte[] segment = [0x12, 0x34, 0x56];
        // RFC 8200 §8.1: addresses, 32-bit length, three zero bytes, next header — summed as 16-bit words.
        byte[] explicitPseudo = [.. src, .. dst, 0, 0, 0, 3, 0, 0, 0, IpProtocol.Udp, .. segment];
        Assert.Equal(InternetChecksum.Compute(explicitPseudo),
            InternetChecksum.ComputeWithPseudoHeader(InternetChecksum.PseudoHeaderIPv6(src, dst, IpProtocol.Udp, 3), segment));
    }

    [Fact]
    public void Ip_length_parsing_rejects_inconsistent_headers()
    {
        byte[] ok = Hex.Parse("45000054a6f200004001e778c6336405c0000205");
        Assert.False(IpPacket.TryGetLength(ok, out _)); // claims 84 bytes, holds 20
        Assert.False(IpPacket.TryGetLength([0x46, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], out _)); // IHL 24 > total 20
        Assert.False(IpPacket.TryGetLength([0x50], out _));
        Assert.False(IpPacket.TryGetLength([], out _));
        byte[] v6 = new byte[48];
        IPv6Header.Write(v6, TestPackets.V6Source, TestPackets.V6Destination, IpProtocol.Udp, 8);
        Assert.True(IpPacket.TryGetLength(v6, out int length));
        Assert.Equal(48, length);
    }
}

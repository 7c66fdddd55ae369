using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

/// <summary>Every malformed, forged or replayed packet is dropped with its own counted reason.</summary>
public class EspDropTests
{
    private static byte[] SealOne(EspSa outbound, int innerPayload = 64, int seed = 1)
    {
        byte[] inner = TestPackets.Make(false, innerPayload, new Random(seed));
        byte[] buffer = TestPackets.WithRoom(inner, out int offset);
        Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, inner.Length, out int o, out int l));
        return buffer.AsSpan(o, l).ToArray();
    }

    public static TheoryData<EspSuite> Suites()
    {
        var data = new TheoryData<EspSuite>();
        foreach (EspSuite s in TestSa.AllSuites)
            data.Add(s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Tampered_icv_is_an_authentication_failure_and_does_not_move_the_window(EspSuite suite)
    {
        var global = new IpsecCounters();
        (EspSa outbound, EspSa inbound) = TestSa.Pair(suite, global: global);
        byte[] packet = SealOne(outbound);
        byte[] forged = (byte[])packet.Clone();
        forged[^1] ^= 0x80;

        Assert.Equal(DropReason.AuthenticationFailed, inbound.Open(forged, out _));
        Assert.Equal(0UL, inbound.ReplayWindow!.Highest);
        Assert.Equal(1, inbound.Counters.Drops(DropReason.AuthenticationFailed));
        Assert.Equal(1, global.Drops(DropReason.AuthenticationFailed));
        Assert.Equal(DropReason.None, inbound.Open(packet, out _)); // the genuine packet still opens
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Truncated_packets_are_dropped_as_truncated(EspSuite suite)
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(suite);
        byte[] packet = SealOne(outbound);
        foreach (int length in new[] { 0, 4, 8, inbound.HeaderLength, inbound.HeaderLength + inbound.IcvLength + 1 })
            Assert.Equal(DropReason.Truncated, inbound.Open(packet.AsSpan(0, length), out _));
        if (!EspSuiteInfo.IsAead(suite))
            Assert.Equal(DropReason.Truncated, inbound.Open(packet.AsSpan(0, packet.Length - 1), out _)); // not block aligned
        else
            Assert.Equal(DropReason.AuthenticationFailed, inbound.Open(packet.AsSpan(0, packet.Length - 1), out _));
    }

    [Fact]
    public void Replayed_and_too_old_sequence_numbers_are_dropped()
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm128, window: 64);
        var packets = Enumerable.Range(0, 200).Select(i => SealOne(outbound, seed: i)).ToArray();
        Assert.Equal(DropReason.None, inbound.Open(packets[0].ToArray(), out _));
        Assert.Equal(DropReason.Replay, inbound.Open(packets[0].ToArray(), out _));
        Assert.Equal(DropReason.None, inbound.Open(packets[199].ToArray(), out _)); // seq 200
        Assert.Equal(DropReason.TooOld, inbound.Open(packets[100].ToArray(), out _)); // seq 101: 200 - 101 >= 64
        Assert.Equal(DropReason.None, inbound.Open(packets[137].ToArray(), out _)); // seq 138: inside the window
        Assert.Equal(DropReason.Replay, inbound.Open(packets[137].ToArray(), out _));
        Assert.Equal(2, inbound.Counters.Drops(DropReason.Replay));
        Assert.Equal(1, inbound.Counters.Drops(DropReason.TooOld));
    }

    [Fact]
    public void Bad_padding_is_dropped_after_the_icv_verified()
    {
        // Seal a payload whose trailer we then corrupt and re-seal with the raw cipher, so the ICV is
        // valid but the padding is not 1, 2, 3, ... (RFC 4303 §2.4).
        byte[] key = new byte[20];
        (EspSa outbound, EspSa inbound) = (Make(SaDirection.Outbound), Make(SaDirection.Inbound));
        EspSa Make(SaDirection d) => EspSa.Create(new EspSaParameters
        {
            Spi = 0x1234, Direction = d, Mode = IpsecMode.Transport, Suite = EspSuite.AesGcm128, EncryptionKey = key,
            GlobalCounters = new IpsecCounters(),
        });

        byte[] payload = new byte[5]; // 5 + 2 = 7 → one padding byte
        byte[] buffer = TestPackets.WithRoom(payload, out int offset);
        Assert.Equal(DropReason.None, outbound.Seal(buffer, offset, payload.Length, IpProtocol.Udp, out int o, out int l));
        byte[] packet = buffer.AsSpan(o, l).ToArray();

        using EspCipher cipher = EspCipherFactory.Create(EspSuite.AesGcm128, key, [], CryptoBackend.DotNet);
        Assert.True(cipher.Open(packet, false, 0));
        Assert.Equal(1, packet[16 + 5]);
        packet[16 + 5] = 7; // padding byte must be 1
        cipher.Seal(packet, false, 0);
        Assert.Equal(DropReason.BadPadding, inbound.Open(packet, out _));

        cipher.Open(packet, false, 0);
        packet[16 + 5] = 1;
        packet[16 + 6] = 200; // pad length beyond the payload
        cipher.Seal(packet, false, 0);
        Assert.Equal(DropReason.Replay, inbound.Open(packet, out _)); // same sequence number: window already updated
        Assert.Equal(1, inbound.Counters.Drops(DropReason.BadPadding));
    }

    [Fact]
    public void Tunnel_mode_rejects_a_non_IP_next_header_and_counts_dummy_packets()
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.ChaCha20Poly1305, mode: IpsecMode.Tunnel);
        byte[] inner = TestPackets.Make(false, 10, new Random(1));
        byte[] buffer = TestPackets.WithRoom(inner, out int offset);
        outbound.Seal(buffer, offset, inner.Length, IpProtocol.Tcp, out int o, out int l);
        Assert.Equal(DropReason.BadNextHeader, inbound.Open(buffer.AsSpan(o, l), out _));

        buffer = TestPackets.WithRoom(inner, out offset);
        outbound.Seal(buffer, offset, inner.Length, IpProtocol.NoNextHeader, out o, out l);
        Assert.Equal(DropReason.DummyPacket, inbound.Open(buffer.AsSpan(o, l), out _));

        buffer = TestPackets.WithRoom(inner, out offset);
        outbound.Seal(buffer, offset, inner.Length, IpProtocol.IPv6, out o, out l); // says IPv6, carries IPv4
        Assert.Equal(DropReason.BadIpHeader, inbound.Open(buffer.AsSpan(o, l), out _));
    }

    [Fact]
    public void Wrong_spi_and_wrong_direction_are_refused()
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm256);
        byte[] packet = SealOne(outbound);
        packet[0] ^= 1;
        Assert.Equal(DropReason.SpiMismatch, inbound.Open(packet, out _));
        Assert.Equal(DropReason.WrongDirection, outbound.Open(packet, out _));
        Assert.Equal(DropReason.WrongDirection, inbound.Seal(new byte[100], 50, 10, 4, out _, out _));
    }

    [Fact]
    public void Missing_headroom_or_tailroom_is_reported_not_thrown()
    {
        (EspSa outbound, _) = TestSa.Pair(EspSuite.AesCbc256HmacSha512);
        Assert.Equal(DropReason.NoBufferSpace, outbound.Seal(new byte[100], 10, 50, 4, out _, out _));
        Assert.Equal(DropReason.NoBufferSpace, outbound.Seal(new byte[100], 40, 60, 4, out _, out _));
        Assert.Equal(2, outbound.Counters.Drops(DropReason.NoBufferSpace));
    }

    [Theory]
    [InlineData(false, 0xFFFF_FFF0UL, 0xFFFF_FFFFUL)]
    [InlineData(true, 0xFFFF_FFFF_FFFF_FFF0UL, ulong.MaxValue)]
    public void Sealing_stops_at_the_last_sequence_number_and_never_wraps(bool esn, ulong start, ulong limit)
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm128, esn: esn, initialSequence: start);
        int sealedCount = 0;
        DropReason last = DropReason.None;
        for (int i = 0; i < 20; i++)
        {
            byte[] buffer = new byte[256];
            last = outbound.Seal(buffer, 64, 20, IpProtocol.Udp, out _, out _);
            if (last != DropReason.None)
                break;
            sealedCount++;
        }

        Assert.Equal((int)(limit - start), sealedCount);
        Assert.Equal(DropReason.SequenceNumberExhausted, last);
        Assert.True(outbound.IsSequenceExhausted);
        Assert.Equal(limit, outbound.LastSequenceNumber);
        Assert.Equal(0UL, outbound.SequenceNumbersRemaining);
        Assert.False(outbound.TryReserveSequenceNumbers(1, out _));
        Assert.Equal(1, outbound.Counters.Drops(DropReason.SequenceNumberExhausted));
    }

    [Fact]
    public void Transport_mode_refuses_ipv6_extension_headers_and_ipv4_fragments()
    {
        (EspSa outbound, _) = TestSa.Pair(EspSuite.AesGcm256, mode: IpsecMode.Transport);
        byte[] v6 = TestPackets.Make(true, 40, new Random(1), IpProtocol.Routing);
        byte[] buffer = TestPackets.WithRoom(v6, out int offset);
        Assert.Equal(DropReason.UnsupportedHeader, EspTransport.Seal(outbound, buffer, offset, v6.Length, out _, out _));

        byte[] v4 = TestPackets.Make(false, 40, new Random(2));
        v4[IPv4Header.FlagsFragmentOffset] |= 0x20;
        InternetChecksum.WriteIPv4HeaderChecksum(v4);
        buffer = TestPackets.WithRoom(v4, out offset);
        Assert.Equal(DropReason.UnsupportedHeader, EspTransport.Seal(outbound, buffer, offset, v4.Length, out _, out _));
        Assert.Equal(2, outbound.Counters.Drops(DropReason.UnsupportedHeader));
    }

    [Fact]
    public void Reservation_never_hands_out_more_than_remain()
    {
        var counter = new SequenceCounter(false, uint.MaxValue - 10);
        Assert.False(counter.TryReserve(11, out _));
        Assert.True(counter.TryReserve(10, out ulong first));
        Assert.Equal(uint.MaxValue - 9UL, first);
        Assert.True(counter.IsExhausted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sequence_numbers_running_out_flag_the_soft_lifetime_before_sealing_stops(bool esn)
    {
        ulong limit = esn ? ulong.MaxValue : uint.MaxValue;
        ulong margin = limit / 64;
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm256, esn: esn, initialSequence: limit - margin - 2);
        Assert.Equal(DropReason.None, outbound.Seal(new byte[256], 64, 20, IpProtocol.Udp, out _, out _));
        Assert.False(outbound.SoftLifetimeReached);
        Assert.Equal(DropReason.None, outbound.Seal(new byte[256], 64, 20, IpProtocol.Udp, out _, out _));
        Assert.True(outbound.SoftLifetimeReached, "the last 1/64 of the space is reached: rekey now");
        Assert.False(outbound.IsSequenceExhausted);
        Assert.False(inbound.SoftLifetimeReached, "an inbound SA has no sequence of its own to run out of");
    }

    [Fact]
    public void Hard_lifetime_stops_the_sa_and_soft_lifetime_is_flagged()
    {
        (EspSa outbound, _) = TestSa.Pair(EspSuite.AesGcm128, lifetime: new SaLifetime(SoftPackets: 2, HardPackets: 3));
        for (int i = 0; i < 3; i++)
            Assert.Equal(DropReason.None, outbound.Seal(new byte[256], 64, 20, IpProtocol.Udp, out _, out _));
        Assert.True(outbound.SoftLifetimeReached);
        Assert.Equal(DropReason.LifetimeExpired, outbound.Seal(new byte[256], 64, 20, IpProtocol.Udp, out _, out _));
    }
}

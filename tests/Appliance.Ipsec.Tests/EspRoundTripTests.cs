using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

/// <summary>Property tests: whatever is sealed opens back to the same bytes, for every suite, backend, mode and family.</summary>
public class EspRoundTripTests
{
    public static TheoryData<EspSuite, CryptoBackend, bool> Combinations()
    {
        var data = new TheoryData<EspSuite, CryptoBackend, bool>();
        foreach ((EspSuite suite, CryptoBackend backend) in TestSa.SupportedCombinations())
        {
            data.Add(suite, backend, false);
            data.Add(suite, backend, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Tunnel_mode_round_trips_random_IPv4_and_IPv6_packets(EspSuite suite, CryptoBackend backend, bool esn)
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(suite, backend, IpsecMode.Tunnel, esn, seed: (int)suite);
        var rng = new Random(4303 + (int)suite);
        for (int i = 0; i < 60; i++)
        {
            bool ipv6 = i % 2 == 1;
            int headerLength = ipv6 ? 40 : 20;
            byte[] inner = TestPackets.Make(ipv6, rng.Next(0, 1501 - headerLength), rng);
            byte[] buffer = TestPackets.WithRoom(inner, out int offset);

            Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, inner.Length, out int espOffset, out int espLength));
            Assert.Equal(outbound.GetSealedLength(inner.Length), espLength);
            Assert.Equal(0, (espLength - outbound.HeaderLength - outbound.IcvLength) % EspSuiteInfo.BlockSize(suite));
            Assert.False(buffer.AsSpan(espOffset + outbound.HeaderLength, inner.Length).SequenceEqual(inner)); // really encrypted

            Span<byte> esp = buffer.AsSpan(espOffset, espLength);
            Assert.Equal(DropReason.None, inbound.Open(esp, out EspOpenResult opened));
            Assert.Equal(ipv6 ? IpProtocol.IPv6 : IpProtocol.IPv4, opened.NextHeader);
            Assert.Equal((ulong)(i + 1), opened.SequenceNumber);
            Assert.True(esp.Slice(opened.PayloadOffset, opened.PayloadLength).SequenceEqual(inner));
        }
        Assert.Equal(60, inbound.Counters.Packets);
        Assert.Equal(0, inbound.Counters.TotalDrops);
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Transport_mode_round_trips_random_IPv4_and_IPv6_packets(EspSuite suite, CryptoBackend backend, bool esn)
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(suite, backend, IpsecMode.Transport, esn, seed: 7 + (int)suite);
        var rng = new Random(3948 + (int)suite);
        for (int i = 0; i < 60; i++)
        {
            bool ipv6 = i % 2 == 0;
            int headerLength = ipv6 ? 40 : 20;
            byte[] packet = TestPackets.Make(ipv6, rng.Next(0, 1501 - headerLength), rng, IpProtocol.Tcp);
            byte[] buffer = TestPackets.WithRoom(packet, out int offset);

            Assert.Equal(DropReason.None, EspTransport.Seal(outbound, buffer, offset, packet.Length, out int sealedOffset, out int sealedLength));
            ReadOnlySpan<byte> sealedPacket = buffer.AsSpan(sealedOffset, sealedLength);
            Assert.True(IpPacket.TryGetLength(sealedPacket, out int declared));
            Assert.Equal(sealedLength, declared);
            Assert.Equal(IpProtocol.Esp, ipv6 ? sealedPacket[6] : sealedPacket[9]);
            if (!ipv6)
                Assert.True(InternetChecksum.VerifyIPv4Header(sealedPacket));

            Assert.Equal(DropReason.None, EspTransport.Open(inbound, buffer, sealedOffset, sealedLength, out int openOffset, out int openLength));
            Assert.True(buffer.AsSpan(openOffset, openLength).SequenceEqual(packet));
        }
    }

    [Fact]
    public void Auto_backend_resolves_for_every_suite()
    {
        foreach (EspSuite suite in TestSa.AllSuites)
        {
            (EspSa outbound, _) = TestSa.Pair(suite);
            Assert.Equal(EspCipherFactory.Preferred(suite).ToString(), outbound.Provider);
        }
    }

    [Fact]
    public void Tunnel_mode_ignores_TFC_padding_after_the_inner_packet()
    {
        // RFC 4303 §2.4/§2.7: TFC padding sits between the payload and the padding; the receiver finds
        // the inner packet's end from its own header.
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm256, mode: IpsecMode.Tunnel);
        byte[] inner = TestPackets.Make(false, 100, new Random(5));
        byte[] padded = [.. inner, .. new byte[300]];
        byte[] buffer = TestPackets.WithRoom(padded, out int offset);

        Assert.Equal(DropReason.None, outbound.Seal(buffer, offset, padded.Length, IpProtocol.IPv4, out int espOffset, out int espLength));
        Span<byte> esp = buffer.AsSpan(espOffset, espLength);
        Assert.Equal(DropReason.None, inbound.Open(esp, out EspOpenResult opened));
        Assert.Equal(inner.Length, opened.PayloadLength);
        Assert.True(esp.Slice(opened.PayloadOffset, opened.PayloadLength).SequenceEqual(inner));
    }

    [Fact]
    public void Parallel_sealers_with_reserved_numbers_all_open()
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.ChaCha20Poly1305, mode: IpsecMode.Tunnel, window: 4096);
        const int threads = 4, perThread = 250;
        byte[][] sealedPackets = new byte[threads * perThread][];
        Parallel.For(0, threads, t =>
        {
            var rng = new Random(t);
            Assert.True(outbound.TryReserveSequenceNumbers(perThread, out ulong first));
            for (int i = 0; i < perThread; i++)
            {
                byte[] inner = TestPackets.Make(false, rng.Next(0, 200), rng);
                byte[] buffer = TestPackets.WithRoom(inner, out int offset);
                Assert.Equal(DropReason.None, outbound.SealWithSequenceNumber(first + (ulong)i, buffer, offset, inner.Length, IpProtocol.IPv4, out int o, out int l));
                sealedPackets[(int)(first - 1) + i] = buffer.AsSpan(o, l).ToArray();
            }
        });

        Assert.Equal((ulong)(threads * perThread), outbound.LastSequenceNumber);
        foreach (byte[] packet in sealedPackets.Reverse()) // arrival order is arbitrary; all are inside a 4096 window
            Assert.Equal(DropReason.None, inbound.Open(packet, out _));
    }
}

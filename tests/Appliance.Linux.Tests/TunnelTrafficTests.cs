using Appliance.Ipsec;
using Microsoft.Extensions.Time.Testing;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>Box-to-box ESP (IP protocol 50) in tunnel mode through the namespace topology.</summary>
[Collection(NetnsCollection.Name)]
public sealed class TunnelTrafficTests(BoxTopology topo)
{
    [Theory]
    [InlineData(20, 128, 0)]  // AES-GCM-16 128
    [InlineData(20, 256, 0)]  // AES-GCM-16 256
    [InlineData(28, 256, 0)]  // ChaCha20-Poly1305
    [InlineData(12, 128, 12)] // AES-CBC 128 + HMAC-SHA2-256-128
    [InlineData(12, 256, 14)] // AES-CBC 256 + HMAC-SHA2-512-256
    public void Ping_crosses_the_tunnel_both_ways_and_only_esp_is_on_the_wan(int encr, int keyBits, int integ)
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair(encr, keyBits, integ));
        using var wan = new WanCapture(topo.BoxA, "wan0");

        var (aToB, outAB) = BoxPair.Ping(topo.HostA, "10.2.0.2");
        var (bToA, outBA) = BoxPair.Ping(topo.HostB, "10.1.0.2");

        Assert.True(aToB, outAB);
        Assert.True(bToA, outBA);
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
        Assert.True(wan.Count("esp") >= 12, wan.Dump());
        var sa = Assert.Single(pair.A.Counters.Sas).Value;
        Assert.True(sa.PacketsOut >= 6 && sa.PacketsIn >= 6, $"out {sa.PacketsOut} in {sa.PacketsIn}");
    }

    [Theory]
    [InlineData(20, 128, 0, false)]
    [InlineData(28, 256, 0, true)]   // ChaCha20-Poly1305 with 64-bit ESN
    [InlineData(12, 256, 12, false)]
    public void Tcp_with_parallel_sealing_arrives_in_order_without_replay_drops(int encr, int keyBits, int integ, bool esn)
    {
        var a = BoxTopology.OptionsA() with { SealWorkers = 4 };
        var b = BoxTopology.OptionsB() with { SealWorkers = 4 };
        using var pair = new BoxPair(topo, a, b);
        pair.Install(TestSas.Pair(encr, keyBits, integ, esn));

        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        string output = NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -n 20M");

        Assert.Contains("receiver", output);
        var sa = pair.B.Counters.Sas.Values.Single();
        Assert.True(sa.BytesIn > 10_000_000, $"bytes in {sa.BytesIn}");
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.Replay));
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.TooOld));
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
    }

    [Fact]
    public void Soft_packet_lifetime_asks_for_a_rekey_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T12:00:00Z"));
        using var pair = new BoxPair(topo, timeA: time);
        var (a, b) = TestSas.Pair();
        pair.Install((a with { Lifetime = new SaLifetime(SoftPackets: 3) }, b));
        var reached = new List<(uint, uint)>();
        pair.A.SoftLifetimeReached += (inbound, outbound) => { lock (reached) reached.Add((inbound, outbound)); };

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(reached);
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
        // Reported from the packet path at the third packet, without waiting for the periodic check.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < deadline) { lock (reached) if (reached.Count > 0) break; Thread.Sleep(10); }
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Thread.Sleep(100);

        lock (reached) Assert.Equal([(TestSas.SpiBToA, TestSas.SpiAToB)], reached);
    }

    [Fact]
    public void A_removed_sa_still_opens_late_packets_for_the_grace_then_its_keys_are_wiped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T12:00:00Z"));
        using var pair = new BoxPair(topo, timeA: time);
        var (a, b) = TestSas.Pair(encr: 12, keyBits: 128, integ: 12);
        // Box A gets its own key arrays, so what it wipes is visible here and box B keeps its own.
        a = a with
        {
            InboundEncryptionKey = [.. a.InboundEncryptionKey], InboundIntegrityKey = [.. a.InboundIntegrityKey],
            OutboundEncryptionKey = [.. a.OutboundEncryptionKey], OutboundIntegrityKey = [.. a.OutboundIntegrityKey],
        };
        byte[][] keys = [a.InboundEncryptionKey, a.InboundIntegrityKey, a.OutboundEncryptionKey, a.OutboundIntegrityKey];
        pair.Install((a, b));
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);

        var removed = pair.A.Counters.Sas.Single(s => s.Key.InboundSpi == a.InboundSpi).Value;
        pair.A.RemoveSa(a.InboundSpi, a.OutboundSpi);
        // Nothing is sent on it any more, but the peer's packets still on the way are opened.
        long sentBefore = removed.PacketsOut, openedBefore = removed.PacketsIn;
        Assert.False(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1).Ok);
        Assert.Equal(sentBefore, removed.PacketsOut);
        Assert.False(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 2, extra: "-W 1").Ok); // B → A is opened; A's reply has no SA
        Assert.Equal(openedBefore + 2, removed.PacketsIn);
        long unknown = pair.A.Counters.Drops(DataPlaneDropReason.UnknownSpi);
        time.Advance(DataPlane.RetireGrace - TimeSpan.FromMilliseconds(100));
        Assert.All(keys, k => Assert.Contains(k, x => x != 0));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.All(keys, k => Assert.All(k, x => Assert.Equal(0, x)));
        // Released: what B still sends on it is an unknown SPI now.
        Assert.False(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 1, extra: "-W 1").Ok);
        Assert.True(pair.A.Counters.Drops(DataPlaneDropReason.UnknownSpi) > unknown);
    }

    [Theory]
    [InlineData(12)] // HMAC-SHA2-256-128
    [InlineData(14)] // HMAC-SHA2-512-256
    public void Ah_box_to_box_carries_ping_both_ways_as_ip_protocol_51(int integ)
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair(encr: 0, keyBits: 0, integ: integ, protocol: SaProtocol.Ah));
        using var wan = new WanCapture(topo.BoxA, "wan0");

        var (aToB, outAB) = BoxPair.Ping(topo.HostA, "10.2.0.2");
        var (bToA, outBA) = BoxPair.Ping(topo.HostB, "10.1.0.2");

        Assert.True(aToB, outAB);
        Assert.True(bToA, outBA);
        // AH authenticates but does not encrypt: every WAN packet is AH between the boxes, none plain.
        Assert.True(wan.Count("ip proto 51 and host 192.0.2.1 and host 192.0.2.2") >= 12, wan.Dump());
        Assert.Equal(0, wan.Count("not ip proto 51 and net 10.0.0.0/8"));
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
    }

    private static long PacketsOut(DataPlane dp, uint inboundSpi) =>
        dp.Counters.Sas.Single(s => s.Key.InboundSpi == inboundSpi).Value.PacketsOut;

    [Fact]
    public void An_sa_from_the_peers_rekey_is_used_outbound_only_once_the_peer_sends_on_it()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        const uint newAToB = 0x0A0B0002, newBToA = 0x0B0A0002;
        var (a2, b2) = TestSas.Pair(spiAToB: newAToB, spiBToA: newBToA);

        // B answered A's rekey: B has the new SA, A has not seen the answer yet. B must keep sending on the old one.
        pair.B.InstallSa(b2 with { DeferOutbound = true });
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2").Ok);
        Assert.Equal(0, pair.A.Counters.Drops(DataPlaneDropReason.UnknownSpi));
        Assert.Equal(0, PacketsOut(pair.B, newAToB));

        // A gets the answer and sends on the new SA at once; B sees that and switches too.
        pair.A.InstallSa(a2);
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2").Ok);
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2").Ok);
        Assert.True(PacketsOut(pair.B, newAToB) >= 6, "B's replies and requests went out on the new SA");
        Assert.Equal(3, PacketsOut(pair.B, TestSas.SpiAToB));
        Assert.Equal(0, pair.A.Counters.Drops(DataPlaneDropReason.UnknownSpi));
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.UnknownSpi));
    }

    [Fact]
    public void A_waiting_sa_takes_over_when_the_old_one_is_removed_even_without_traffic_from_the_peer()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        const uint newAToB = 0x0A0B0003, newBToA = 0x0B0A0003;
        var (a2, b2) = TestSas.Pair(spiAToB: newAToB, spiBToA: newBToA);
        pair.B.InstallSa(b2 with { DeferOutbound = true });
        pair.A.InstallSa(a2);

        // The peer's DELETE of the old SA arrives before any of its traffic on the new one.
        pair.B.RemoveSa(TestSas.SpiAToB, TestSas.SpiBToA);
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2").Ok);
        Assert.Equal(3, PacketsOut(pair.B, newAToB));
        Assert.Equal(0, pair.A.Counters.Drops(DataPlaneDropReason.UnknownSpi));
    }
}

using Appliance.Linux.Tests.Harness;
using static Appliance.Linux.Tests.Harness.Packets;

namespace Appliance.Linux.Tests;

/// <summary>
/// Raw ESP sent as whole Ethernet frames on the WAN's AF_PACKET socket (outer IPv4 header and next-hop MAC written by
/// the data plane): traffic crosses both ways on that path, the outer header is what the raw socket would send, and the
/// raw IP socket takes over while the kernel does not know the next hop's MAC (or WanFrames is off).
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class WanFramesTests(BoxTopology topo)
{
    [Fact]
    public void Ping_and_tcp_cross_both_ways_as_wan_frames_with_only_esp_on_the_wan()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair(20, 256, 0));
        using var wan = new WanCapture(topo.BoxA, "wan0");
        // The first packets may take the raw socket while the neighbour entries are being resolved.
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);
        Thread.Sleep(1100);

        BoxPair.PingAndTcpBothWays(topo, 5);
        // Each box sent 5 MB of data (thousands of packets) and the ACKs of the other 5 MB, nearly all as frames.
        foreach (var box in new[] { pair.A, pair.B })
        {
            long frames = box.Counters.WanFramesSent, sent = box.Counters.Sas.Values.Single().PacketsOut;
            Assert.True(sent > 1000 && frames > sent * 9 / 10, $"frames {frames} of {sent} packets");
        }
        foreach (var box in new[] { pair.A, pair.B })
        {
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.Replay));
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.SendFailed));
        }
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
        // Besides ESP only ARP, and the link-scope IPv6 a fresh veth sends on its own for its first ~15 s (DAD, MLD
        // reports, router solicitations to ff02::/16), which carries nothing of the LANs.
        const string Other = "not esp and not arp and not (ip6 and dst net ff02::/16)";
        Assert.True(wan.Count(Other) == 0, wan.Dump(Other));
        Assert.Equal(0, wan.Count("icmp"));
        // The outer header as the raw socket writes it: DF clear, TTL 64, from the WAN address to the peer.
        string outer = wan.Dump("esp and src host 192.0.2.1");
        Assert.Contains("ttl 64", outer);
        Assert.Contains("flags [none]", outer);
        Assert.DoesNotContain("[DF]", outer);
        Assert.DoesNotContain("bad cksum", outer);
    }

    [Fact]
    public void Unknown_next_hop_takes_the_raw_socket_until_the_kernel_has_resolved_it()
    {
        NetNs.ShOk($"ip -n {topo.BoxA} neigh flush dev wan0");
        NetNs.ShOk($"ip -n {topo.BoxB} neigh flush dev wan0");
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());

        // No neighbour entry for the peer yet: the first packet goes through the raw socket, whose kernel path ARPs.
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1).Ok);
        Assert.Equal(0, pair.A.Counters.WanFramesSent);
        Assert.Equal(1, pair.A.Counters.Sas.Values.Single().PacketsOut);

        // The answer to the next lookup (at most a second later) has the MAC: frames from then on.
        Thread.Sleep(1100);
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
        Assert.True(pair.A.Counters.WanFramesSent >= 2, $"frames {pair.A.Counters.WanFramesSent}");
    }

    [Fact]
    public void A_changed_next_hop_mac_is_picked_up_from_the_kernel()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        string peerMac = NetNs.ShOk($"ip -n {topo.BoxB} -br link show wan0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        try
        {
            // A wrong static entry: frames go to a MAC nobody has and are lost.
            NetNs.ShOk($"ip -n {topo.BoxA} neigh replace 192.0.2.2 lladdr 02:00:00:00:00:99 nud permanent dev wan0");
            Thread.Sleep(1100);
            Assert.False(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2, extra: "-W 1").Ok);
            long lost = pair.A.Counters.WanFramesSent;
            Assert.True(lost >= 1, $"frames {lost}");

            // The right one again: re-read within a second, traffic flows.
            NetNs.ShOk($"ip -n {topo.BoxA} neigh replace 192.0.2.2 lladdr {peerMac} nud permanent dev wan0");
            Thread.Sleep(1100);
            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
            Assert.True(pair.A.Counters.WanFramesSent > lost);
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.BoxA} neigh del 192.0.2.2 dev wan0");
        }
    }

    [Fact]
    public void With_wan_frames_off_raw_esp_uses_the_raw_socket_only()
    {
        var a = BoxTopology.OptionsA() with { WanFrames = false };
        var b = BoxTopology.OptionsB() with { WanFrames = false };
        using var pair = new BoxPair(topo, a, b);
        pair.Install(TestSas.Pair());
        using var wan = new WanCapture(topo.BoxA, "wan0");

        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);
        Thread.Sleep(1100);
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 3).Ok);

        Assert.Equal(0, pair.A.Counters.WanFramesSent);
        Assert.Equal(0, pair.B.Counters.WanFramesSent);
        Assert.True(wan.Count("esp") >= 10, wan.Dump());
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
    }
}

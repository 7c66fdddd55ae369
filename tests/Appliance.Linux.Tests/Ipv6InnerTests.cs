using System.Net;
using Appliance.Linux.Policy;
using Appliance.Linux.Routing;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>IPv6 LANs through an ESP tunnel between IPv4 WAN addresses (inner IPv6, next header 41).</summary>
[Collection(NetnsCollection.Name)]
public sealed class Ipv6InnerTests(BoxTopology topo)
{
    private static readonly IPNetwork LanA6 = IPNetwork.Parse("fd01::/64"), LanB6 = IPNetwork.Parse("fd02::/64");

    [Fact]
    public void Ipv6_ping_crosses_the_tunnel_and_ipv6_is_blackholed_too()
    {
        using var pair = DualStackPair();
        using var wan = new WanCapture(topo.BoxA, "wan0");

        var (ok, output) = BoxPair.Ping(topo.HostA, "fd02::2");
        var (back, backOutput) = BoxPair.Ping(topo.HostB, "fd01::2");

        Assert.True(ok, output);
        Assert.True(back, backOutput);
        // (The WAN link carries its own link-local IPv6 chatter; none of the LANs' addresses may appear.)
        Assert.Equal(0, wan.Count("ip6 and (net fd01::/64 or net fd02::/64)"));
        Assert.True(wan.Count("esp") >= 12);
        Assert.Contains(new KillSwitchRoute(LanB6, KillSwitchAction.Blackhole), pair.A.KillSwitchRoutes);
        Assert.Contains("lookup 161", NetNs.ShOk($"ip -n {topo.BoxA} -6 rule show"));
    }

    /// <summary>
    /// IPv6 routers never fragment (RFC 8200 §5): without a Packet Too Big from the box, an IPv6 LAN host's large
    /// packets would vanish in the tunnel. The box answers from its LAN address with the tunnel MTU, and the host's
    /// next large packets fit (it fragments them itself).
    /// </summary>
    [Fact]
    public void Too_big_ipv6_packet_gets_packet_too_big_from_the_box_and_path_mtu_discovery_works()
    {
        const int tunnelMtu = 1446; // AES-GCM-16 on a 1500-byte IPv4 WAN, as MtuTests
        using var pair = DualStackPair();
        NetNs.Sh($"ip -n {topo.HostA} -6 route flush cache");

        var (tooBig, output) = BoxPair.Ping(topo.HostA, "fd02::2", count: 1, extra: $"-M do -s {tunnelMtu - 48 + 1}");
        Assert.False(tooBig);
        Assert.Matches($"mtu ?= ?{tunnelMtu}", output);
        Assert.True(pair.A.Counters.IcmpTooBigSent >= 1);
        Assert.Contains($"mtu {tunnelMtu}", NetNs.ShOk($"ip -n {topo.HostA} -6 route get fd02::2"));
        // The host learned the path MTU: a large ping now crosses, fragmented by the host itself.
        var (large, largeOutput) = BoxPair.Ping(topo.HostA, "fd02::2", count: 2, extra: "-s 2000");
        Assert.True(large, largeOutput);
        Assert.True(BoxPair.Ping(topo.HostA, "fd02::2", count: 1, extra: $"-M do -s {tunnelMtu - 48}").Ok);
    }

    /// <summary>Both LANs dual-stack (fd01::/64, fd02::/64) and one tunnel whose selectors name both families.</summary>
    private BoxPair DualStackPair()
    {
        AddV6(topo.HostA, "eth0", "fd01::2/64", gateway: "fd01::1");
        AddV6(topo.BoxA, "lan0", "fd01::1/64");
        AddV6(topo.BoxB, "lan0", "fd02::1/64");
        AddV6(topo.HostB, "eth0", "fd02::2/64", gateway: "fd02::1");
        var a = new DataPlaneOptions("wan0", "lan0", [new TunnelPolicy("b", [BoxTopology.LanA, LanA6], [BoxTopology.LanB, LanB6], [], false)]);
        var b = new DataPlaneOptions("wan0", "lan0", [new TunnelPolicy("a", [BoxTopology.LanB, LanB6], [BoxTopology.LanA, LanA6], [], false)]);
        var pair = new BoxPair(topo, a, b);
        try
        {
            var (sa, sb) = TestSas.Pair();
            pair.Install((sa with { LocalTs = [BoxTopology.LanA, LanA6], RemoteTs = [BoxTopology.LanB, LanB6] },
                sb with { LocalTs = [BoxTopology.LanB, LanB6], RemoteTs = [BoxTopology.LanA, LanA6] }));
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    private static void AddV6(string ns, string dev, string cidr, string? gateway = null)
    {
        NetNs.Sh($"ip -n {ns} -6 addr add {cidr} dev {dev} nodad");
        if (gateway != null) NetNs.Sh($"ip -n {ns} -6 route replace default via {gateway}");
    }
}

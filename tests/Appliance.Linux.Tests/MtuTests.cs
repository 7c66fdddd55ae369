using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// Tunnel MTU handling with AES-GCM-16 (8-byte IV, 16-byte ICV) on a 1500-byte WAN: the tunnel MTU
/// is 1500 - 20 (outer IPv4) - 8 (SPI, sequence) - 8 (IV) - 16 (ICV) = 1448 bytes for the padded
/// payload, i.e. 1446 bytes of inner packet plus pad length and next header (RFC 4303 §2.4, RFC 4106).
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class MtuTests(BoxTopology topo)
{
    private const int TunnelMtu = 1446;
    private const int ClampedMss = TunnelMtu - 40;

    [Fact]
    public void Tcp_works_both_directions_and_syn_mss_is_clamped_to_the_tunnel()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        Assert.Equal(TunnelMtu, pair.A.TunnelMtu("b"));
        using var atB = new WanCapture(topo.HostB, "eth0");
        using var atA = new WanCapture(topo.HostA, "eth0");

        string forward = Iperf("");
        string reverse = Iperf("-R");

        Assert.Contains("receiver", forward);
        Assert.Contains("receiver", reverse);
        string synsAtB = atB.Dump("tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0");
        string synAcksAtA = atA.Dump("tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack != 0");
        Assert.Contains($"mss {ClampedMss}", synsAtB);
        Assert.DoesNotContain("mss 1460", synsAtB);
        Assert.Contains($"mss {ClampedMss}", synAcksAtA);
        Assert.DoesNotContain("mss 1460", synAcksAtA);
        Assert.True(pair.A.Counters.MssClamped >= 2 && pair.B.Counters.MssClamped >= 2);
        Assert.Equal(0, pair.B.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
        // Bulk TCP was handed to the LAN hosts as GSO super-packets (user-space GRO) in both directions.
        Assert.True(pair.B.Counters.SegmentsCoalesced > 0 && pair.A.Counters.SegmentsCoalesced > 0,
            $"coalesced A {pair.A.Counters.SegmentsCoalesced} B {pair.B.Counters.SegmentsCoalesced}");
    }

    [Fact]
    public void Too_big_df_packet_gets_icmp_fragmentation_needed_with_the_tunnel_mtu()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        NetNs.Sh($"ip -n {topo.HostA} route flush cache");

        var (tooBig, output) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1, extra: $"-M do -s {TunnelMtu - 28 + 1}");
        var (fits, fitsOutput) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1, extra: $"-M do -s {TunnelMtu - 28}");

        Assert.False(tooBig);
        Assert.Matches($"mtu ?= ?{TunnelMtu}", output);
        Assert.True(fits, fitsOutput);
        Assert.True(pair.A.Counters.IcmpTooBigSent >= 1);
        Assert.True(pair.A.Counters.Drops(DataPlaneDropReason.TooBig) >= 1);
    }

    /// <summary>
    /// A PPPoE WAN has 1492, a DS-Lite or tunnelled uplink less: the tunnel MTU follows the WAN NIC's MTU (read when the
    /// SA is installed), so LAN hosts learn a size whose ESP packets fit the WAN unfragmented.
    /// </summary>
    [Fact]
    public void Tunnel_mtu_follows_the_wan_interface_mtu_and_a_configured_path_mtu()
    {
        try
        {
            NetNs.ShOk($"ip -n {topo.BoxA} link set wan0 mtu 1400");
            NetNs.ShOk($"ip -n {topo.BoxB} link set wan0 mtu 1400");
            NetNs.Sh($"ip -n {topo.HostA} route flush cache");
            using (var pair = new BoxPair(topo))
            {
                pair.Install(TestSas.Pair());
                Assert.Equal(TunnelMtu - 100, pair.A.TunnelMtu("b"));
                var (tooBig, output) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1, extra: $"-M do -s {TunnelMtu - 100 - 28 + 1}");
                Assert.False(tooBig);
                Assert.Matches($"mtu ?= ?{TunnelMtu - 100}", output);
                Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1, extra: $"-M do -s {TunnelMtu - 100 - 28}").Ok);
            }
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.BoxA} link set wan0 mtu 1500");
            NetNs.Sh($"ip -n {topo.BoxB} link set wan0 mtu 1500");
            NetNs.Sh($"ip -n {topo.HostA} route flush cache");
        }
        // A narrower link beyond a 1500-byte NIC: the configured path MTU wins.
        using var configured = new BoxPair(topo, BoxTopology.OptionsA() with { WanMtu = 1400 });
        configured.Install(TestSas.Pair());
        Assert.Equal(TunnelMtu - 100, configured.A.TunnelMtu("b"));
        Assert.Equal(TunnelMtu, configured.B.TunnelMtu("a"));
    }

    private string Iperf(string flags)
    {
        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        return NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -t 1 {flags}");
    }
}

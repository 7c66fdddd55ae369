using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// Raw ESP for the WAN address received on the WAN's AF_PACKET socket while a tc ingress filter (eBPF, cls_bpf on
/// clsact) keeps the kernel's IP receive path off the same packets; fragments still go through the kernel's
/// reassembly to the raw socket; the filter goes with the data plane.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class WanFrameReceiveTests(BoxTopology topo)
{
    [Fact]
    public void Ping_and_tcp_cross_both_ways_received_as_wan_frames()
    {
        var log = new ListLogger();
        using var pair = new BoxPair(topo, loggerA: log);
        pair.Install(TestSas.Pair(20, 256, 0));
        using var wan = new WanCapture(topo.BoxA, "wan0");
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok, $"{log}\nA rx {pair.A.Counters.WanFramesReceived} {string.Join(",", pair.A.Counters.DropsByReason)} B rx {pair.B.Counters.WanFramesReceived} {string.Join(",", pair.B.Counters.DropsByReason)} {NetNs.Sh($"tc -n {topo.BoxB} -s filter show dev wan0 ingress").Output}");

        var (aToB, outAB) = BoxPair.Ping(topo.HostA, "10.2.0.2");
        var (bToA, outBA) = BoxPair.Ping(topo.HostB, "10.1.0.2");
        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        string upload = NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -n 5M");
        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        string download = NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -n 5M -R");

        Assert.True(aToB, outAB);
        Assert.True(bToA, outBA);
        Assert.Contains("receiver", upload);
        Assert.Contains("receiver", download);
        foreach (var box in new[] { pair.A, pair.B })
        {
            long frames = box.Counters.WanFramesReceived, received = box.Counters.Sas.Values.Single().PacketsIn;
            Assert.True(received > 1000 && frames >= received, $"received as frames {frames} of {received} packets; {log}");
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.Replay));
            Assert.Equal(0, box.Counters.Drops(DataPlaneDropReason.BadOuterHeader));
        }
        // tcpdump on the WAN still sees the ESP both ways (the AF_PACKET taps run before tc ingress drops it).
        Assert.True(wan.Count("esp and dst host 192.0.2.1") > 1000, wan.Dump("not esp"));
        Assert.True(wan.Count("esp and dst host 192.0.2.2") > 1000);
        Assert.Equal(0, wan.Count("icmp"));
        Assert.Contains("tc ingress filter", log.ToString());
    }
}

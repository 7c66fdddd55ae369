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
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok, log.ToString());

        BoxPair.PingAndTcpBothWays(topo, 5);
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

    [Fact]
    public void Fragmented_esp_still_arrives_through_the_kernel_and_the_raw_socket()
    {
        // boxB's route to boxA carries 1400 while both NICs (and so both tunnel MTUs) have 1500: big pings leave
        // boxB as outer IPv4 fragments (too big for a frame, the raw socket's kernel path fragments, DF clear), which
        // boxA's kernel must reassemble. The replies fit boxA's path and go back whole.
        NetNs.ShOk($"ip -n {topo.BoxB} route add 192.0.2.1/32 dev wan0 mtu lock 1400");
        try
        {
            using var pair = new BoxPair(topo);
            pair.Install(TestSas.Pair());
            using var wan = new WanCapture(topo.BoxA, "wan0");
            Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 3).Ok);
            long framesBefore = pair.A.Counters.WanFramesReceived, inBefore = pair.A.Counters.Sas.Values.Single().PacketsIn;
            Assert.True(framesBefore >= 3, $"small pings as frames: {framesBefore}");

            var (ok, output) = BoxPair.Ping(topo.HostB, "10.1.0.2", count: 3, extra: "-s 1420 -M dont");
            Assert.True(ok, output);
            Assert.Equal(inBefore + 3, pair.A.Counters.Sas.Values.Single().PacketsIn);
            Assert.Equal(framesBefore, pair.A.Counters.WanFramesReceived);
            // The ESP really arrived in fragments (MF set on the first ones).
            Assert.True(wan.Count("ip[6] & 0x20 != 0 and dst host 192.0.2.1") >= 3, wan.Dump("dst host 192.0.2.1"));
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.BoxB} route del 192.0.2.1/32 dev wan0");
        }
    }

    [Fact]
    public void Esp_with_a_bad_header_checksum_or_a_truncated_length_is_a_counted_drop()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 1).Ok);
        string macA = NetNs.ShOk($"ip -n {topo.BoxA} -br link show wan0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        long before = pair.A.Counters.Drops(DataPlaneDropReason.BadOuterHeader);

        // From boxB's WAN as raw Ethernet frames to boxA: unfragmented ESP to 192.0.2.1, so tc keeps it from the
        // kernel and the socket takes it. One with a wrong header checksum, one whose total length exceeds the frame.
        string script = Path.Combine(Path.GetTempPath(), $"dp-inject-{Guid.NewGuid():N}.py");
        File.WriteAllText(script, """
            import socket, struct, sys
            def csum(b):
                s = sum(struct.unpack('!10H', b))
                s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
                return (~s) & 0xffff
            def packet(total, bad):
                h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, 7, 0, 64, 50, 0, socket.inet_aton('192.0.2.2'), socket.inet_aton('192.0.2.1'))
                c = csum(h) ^ (0x1234 if bad else 0)
                return h[:10] + struct.pack('!H', c) + h[12:] + struct.pack('!II', 0x0a0b0001, 99) + bytes(24)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind(('wan0', 0))
            eth = bytes.fromhex(sys.argv[1].replace(':', '')) + s.getsockname()[4] + b'\x08\x00'
            s.send(eth + packet(52, True))
            s.send(eth + packet(400, False))
            """);
        try
        {
            NetNs.ShOk($"ip netns exec {topo.BoxB} python3 {script} {macA}");
        }
        finally
        {
            File.Delete(script);
        }
        for (int i = 0; i < 20 && pair.A.Counters.Drops(DataPlaneDropReason.BadOuterHeader) < before + 2; i++) Thread.Sleep(50);

        Assert.Equal(before + 2, pair.A.Counters.Drops(DataPlaneDropReason.BadOuterHeader));
        Assert.Equal(0, pair.A.Counters.Drops(DataPlaneDropReason.Replay));
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 2).Ok);
    }

    [Fact]
    public void The_tc_filter_is_there_while_running_and_gone_after_dispose()
    {
        var pair = new BoxPair(topo);
        try
        {
            Assert.Contains("appliance_esp", Filters());
            Assert.Contains("direct-action", Filters());
        }
        finally
        {
            pair.Dispose();
        }
        Assert.DoesNotContain("appliance_esp", Filters());
        // With the filter gone, the raw socket of the next data plane gets everything again.
        var off = BoxTopology.OptionsA() with { WanFrameReceive = false };
        using var next = new BoxPair(topo, off, BoxTopology.OptionsB() with { WanFrameReceive = false });
        next.Install(TestSas.Pair());
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);
    }

    [Fact]
    public void A_wan_address_that_arrives_after_start_gets_the_frame_receiver()
    {
        // At boot the service may start before DHCP: the data plane starts on an address-less WAN, and the filter
        // must follow once the address is there (it used to stay on the raw socket for the whole run).
        var log = new ListLogger();
        NetNs.ShOk($"ip -n {topo.BoxA} addr del 192.0.2.1/24 dev wan0");
        try
        {
            using var pair = new BoxPair(topo, loggerA: log);
            Assert.DoesNotContain("appliance_esp", Filters());
            Assert.Contains("has no IPv4 address yet", log.ToString());
            NetNs.ShOk($"ip -n {topo.BoxA} addr add 192.0.2.1/24 dev wan0");
            NetNs.ShOk($"ip -n {topo.BoxA} route replace 10.2.0.0/24 via 192.0.2.2");
            Assert.True(SpinWait.SpinUntil(() => Filters().Contains("appliance_esp"), DataPlane.WanAddressCheckInterval * 3), log.ToString());
            pair.Install(TestSas.Pair());
            Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 3).Ok, log.ToString());
            Assert.True(pair.A.Counters.WanFramesReceived >= 3, $"frames {pair.A.Counters.WanFramesReceived}; {log}");
            Assert.Contains("re-attaching the ESP frame receiver", log.ToString());
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.BoxA} addr add 192.0.2.1/24 dev wan0");
            NetNs.Sh($"ip -n {topo.BoxA} route replace 10.2.0.0/24 via 192.0.2.2");
        }
    }

    [Fact]
    public void With_wan_frame_receive_off_raw_esp_arrives_through_the_raw_socket_only()
    {
        var a = BoxTopology.OptionsA() with { WanFrameReceive = false };
        var b = BoxTopology.OptionsB() with { WanFrameReceive = false };
        using var pair = new BoxPair(topo, a, b);
        pair.Install(TestSas.Pair());
        Assert.DoesNotContain("appliance_esp", Filters());

        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
        Assert.True(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 3).Ok);

        Assert.Equal(0, pair.A.Counters.WanFramesReceived);
        Assert.Equal(0, pair.B.Counters.WanFramesReceived);
        Assert.True(pair.A.Counters.Sas.Values.Single().PacketsIn >= 6);
    }

    [Fact]
    public void A_filter_left_by_a_crashed_run_is_removed_when_the_option_is_off()
    {
        // A data plane that never got to Dispose (as after a crash) leaves its filter: ESP would vanish at ingress.
        var crashed = NetNs.Run(topo.BoxA, () =>
        {
            var dp = new DataPlane(BoxTopology.OptionsA(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            dp.Start();
            return dp;
        });
        try
        {
            Assert.Contains("appliance_esp", Filters());
            var log = new ListLogger();
            using var pair = new BoxPair(topo, BoxTopology.OptionsA() with { WanFrameReceive = false }, loggerA: log);
            Assert.DoesNotContain("appliance_esp", Filters());
            Assert.Contains("stale ESP ingress filter", log.ToString());
        }
        finally
        {
            crashed.Dispose();
        }
    }

    /// <summary>boxA's tc filters on its WAN's ingress hook, as `tc filter show` prints them.</summary>
    private string Filters() => NetNs.ShOk($"tc -n {topo.BoxA} filter show dev wan0 ingress");
}

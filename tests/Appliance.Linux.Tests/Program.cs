using Appliance.Linux.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Linux.Tests;

/// <summary>
/// `dotnet Appliance.Linux.Tests.dll dataplane-host a|b ENCR KEYBITS INTEG [nosa] [udp] [rawsock] [rawrx]` runs one box's
/// data plane of <see cref="BoxTopology"/> in the current network namespace (start it with
/// `ip netns exec`), with the hand-made SAs of <see cref="TestSas"/> (`udp`: ESP-in-UDP on 4500, sent and received
/// on the data plane's own sockets as no host owns the port here; `rawsock`: raw ESP through the raw IP socket
/// only, not as WAN frames). It prints "ready" once the
/// kill switch and sockets are up and runs until stdin closes or it is killed; on a clean exit it
/// prints its counters. Used by the SIGKILL test and tools/bench-dataplane.sh.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 5 || args[0] != "dataplane-host")
        {
            Console.Error.WriteLine("usage: dataplane-host a|b ENCR KEYBITS INTEG [nosa] [udp] [rawsock] [rawrx]");
            return 2;
        }
        bool sideA = args[1] == "a";
        bool udp = args.Contains("udp");
        var sas = TestSas.Pair(int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), udp: udp);
        var options = (sideA ? BoxTopology.OptionsA() : BoxTopology.OptionsB()) with { WanFrames = !args.Contains("rawsock"), WanFrameReceive = !args.Contains("rawsock") && !args.Contains("rawrx") };
        using var dp = new DataPlane(options, TimeProvider.System, NullLogger.Instance);
        dp.Start();
        if (!args.Contains("nosa")) dp.InstallSa(sideA ? sas.A : sas.B);
        // The UDP worker opens the data plane's 4500 socket right after the install; until then packets would be dropped.
        for (int i = 0; udp && i < 100 && dp.EspInUdpSockets == 0; i++) Thread.Sleep(10);
        Console.WriteLine("ready");
        Console.Out.Flush();
        while (Console.In.ReadLine() != null) { }
        foreach (var (key, c) in dp.Counters.Sas)
            Console.WriteLine($"sa {key.Tunnel} in 0x{key.InboundSpi:x8} out 0x{key.OutboundSpi:x8}: in {c.PacketsIn} pkts {c.BytesIn} B, out {c.PacketsOut} pkts {c.BytesOut} B");
        foreach (var (reason, n) in dp.Counters.DropsByReason) Console.WriteLine($"drop {reason}: {n}");
        Console.WriteLine($"mss clamped {dp.Counters.MssClamped}, segments coalesced on delivery {dp.Counters.SegmentsCoalesced}");
        Console.WriteLine($"raw esp sent as wan frames {dp.Counters.WanFramesSent}, received as wan frames {dp.Counters.WanFramesReceived}");
        // CPU of this box (its threads, and the kernel work their syscalls do, the peer's receive softirq included):
        // the load on a shared machine moves throughput a lot, the CPU per byte much less.
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        Console.WriteLine($"cpu user {self.UserProcessorTime.TotalSeconds:F2} s, system {self.PrivilegedProcessorTime.TotalSeconds:F2} s");
        if (udp) Console.WriteLine($"esp-in-udp: {dp.Counters.UdpGsoSegmentsSent} sent in GSO datagrams, {dp.Counters.UdpGroSegmentsReceived} received in GRO trains");
        return 0;
    }
}

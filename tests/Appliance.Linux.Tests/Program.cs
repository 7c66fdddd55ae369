using Appliance.Linux.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Linux.Tests;

/// <summary>
/// `dotnet Appliance.Linux.Tests.dll dataplane-host a|b ENCR KEYBITS INTEG [nosa]` runs one box's
/// data plane of <see cref="BoxTopology"/> in the current network namespace (start it with
/// `ip netns exec`), with the hand-made SAs of <see cref="TestSas"/>. It prints "ready" once the
/// kill switch and sockets are up and runs until stdin closes or it is killed; on a clean exit it
/// prints its counters. Used by the SIGKILL test and tools/bench-dataplane.sh.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 5 || args[0] != "dataplane-host")
        {
            Console.Error.WriteLine("usage: dataplane-host a|b ENCR KEYBITS INTEG [nosa]");
            return 2;
        }
        bool sideA = args[1] == "a";
        var sas = TestSas.Pair(int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]));
        using var dp = new DataPlane(sideA ? BoxTopology.OptionsA() : BoxTopology.OptionsB(), TimeProvider.System, NullLogger.Instance);
        dp.Start();
        if (!args.Contains("nosa")) dp.InstallSa(sideA ? sas.A : sas.B);
        Console.WriteLine("ready");
        Console.Out.Flush();
        while (Console.In.ReadLine() != null) { }
        foreach (var (key, c) in dp.Counters.Sas)
            Console.WriteLine($"sa {key.Tunnel} in 0x{key.InboundSpi:x8} out 0x{key.OutboundSpi:x8}: in {c.PacketsIn} pkts {c.BytesIn} B, out {c.PacketsOut} pkts {c.BytesOut} B");
        foreach (var (reason, n) in dp.Counters.DropsByReason) Console.WriteLine($"drop {reason}: {n}");
        Console.WriteLine($"mss clamped {dp.Counters.MssClamped}, segments coalesced on delivery {dp.Counters.SegmentsCoalesced}");
        return 0;
    }
}

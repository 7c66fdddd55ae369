using System.Diagnostics;
using System.Net;
using Appliance.Linux.Routing;
using Appliance.Linux.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Linux.Tests;

/// <summary>
/// The kill switch: protected traffic never crosses the WAN in clear — before any SA, with trap,
/// and after the data plane process was SIGKILLed — and the routes reconcile at start.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class KillSwitchTests(BoxTopology topo)
{
    private void Flush()
    {
        NetNs.Sh($"ip -n {topo.BoxA} route flush table 161");
        NetNs.Sh($"ip -n {topo.BoxB} route flush table 161");
    }

    [Fact]
    public void Without_the_kill_switch_the_topology_leaks_cleartext_so_the_other_tests_mean_something()
    {
        Flush();
        using var wan = new WanCapture(topo.BoxA, "wan0");
        var (ok, output) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2);
        Assert.True(ok, output);
        Assert.True(wan.Count("net 10.0.0.0/8 and icmp") >= 4, wan.Dump());
    }

    [Fact]
    public async Task Before_any_SA_nothing_leaves_in_clear_the_drop_is_counted_and_trap_fires()
    {
        Flush();
        using var pair = new BoxPair(topo, BoxTopology.OptionsA(trap: true) with { HoldPackets = 0 }, BoxTopology.OptionsB());
        var trapped = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        pair.A.TrapTriggered += name => trapped.TrySetResult(name);
        using var wan = new WanCapture(topo.BoxA, "wan0");

        var (ok, _) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2);

        Assert.False(ok);
        Assert.Equal("b", await trapped.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(pair.A.Counters.Drops(DataPlaneDropReason.NoSa) >= 2);
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
        Assert.Contains(new KillSwitchRoute(BoxTopology.LanB, KillSwitchAction.Blackhole), pair.A.KillSwitchRoutes);
    }

    [Fact]
    public void On_demand_the_first_packet_is_held_until_the_trap_brings_the_SA()
    {
        Flush();
        using var pair = new BoxPair(topo, BoxTopology.OptionsA(trap: true), BoxTopology.OptionsB());
        var sas = TestSas.Pair();
        // Plays IKE: the trap fires, the exchange takes a while, then both SAs are installed.
        pair.A.TrapTriggered += _ =>
        {
            Thread.Sleep(300);
            pair.B.InstallSa(sas.B);
            pair.A.InstallSa(sas.A);
        };

        var (ok, output) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1, extra: "-W 3");

        Assert.True(ok, output);
        Assert.Equal(0, pair.A.Counters.Drops(DataPlaneDropReason.NoSa));
        Assert.Equal(1, pair.A.Counters.TrapTriggers);
    }

    [Fact]
    public void After_SIGKILL_the_blackhole_stays_and_nothing_leaves_in_clear()
    {
        Flush();
        using var hostA = StartHost(topo.BoxA, "a");
        using var hostB = StartHost(topo.BoxB, "b");
        var (ok, output) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2);
        Assert.True(ok, "tunnel up before the kill: " + output);

        hostA.Kill();
        hostB.Kill();
        hostA.WaitForExit();
        hostB.WaitForExit();
        using var wan = new WanCapture(topo.BoxA, "wan0");
        var (after, _) = BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2);
        var (reverse, _) = BoxPair.Ping(topo.HostB, "10.1.0.2", count: 2);

        Assert.False(after);
        Assert.False(reverse);
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
        Assert.Contains("blackhole 10.2.0.0/24", NetNs.ShOk($"ip -n {topo.BoxA} route show table 161"));
        Assert.Contains("blackhole 10.1.0.0/24", NetNs.ShOk($"ip -n {topo.BoxB} route show table 161"));
    }

    [Fact]
    public void Start_reconciles_stale_routes_keeps_bypass_and_is_idempotent()
    {
        Flush();
        NetNs.ShOk($"ip -n {topo.BoxA} route add blackhole 10.99.0.0/24 table 161");
        var options = BoxTopology.OptionsA(bypass: [IPNetwork.Parse("10.2.0.50/32")]);
        var routes = NetNs.Run(topo.BoxA, () =>
        {
            using (var first = new DataPlane(options, TimeProvider.System, NullLogger.Instance)) first.Start();
            using var second = new DataPlane(options, TimeProvider.System, NullLogger.Instance);
            second.Start();
            return second.KillSwitchRoutes;
        });
        string table = NetNs.ShOk($"ip -n {topo.BoxA} route show table 161");

        Assert.True(routes.Count == 2, string.Join(", ", routes));
        Assert.Contains(new KillSwitchRoute(BoxTopology.LanB, KillSwitchAction.Blackhole), routes);
        Assert.Contains(new KillSwitchRoute(IPNetwork.Parse("10.2.0.50/32"), KillSwitchAction.Throw), routes);
        Assert.DoesNotContain("10.99.0.0", table);
        Assert.Contains("throw 10.2.0.50", table);
        Assert.Single(NetNs.ShOk($"ip -n {topo.BoxA} rule show").Split('\n'), l => l.Contains("lookup 161"));
    }

    private static Process StartHost(string ns, string side)
    {
        string dll = typeof(KillSwitchTests).Assembly.Location;
        var psi = new ProcessStartInfo("ip", ["netns", "exec", ns, Environment.ProcessPath ?? "dotnet", "exec", dll, "dataplane-host", side, "20", "128", "0"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var p = Process.Start(psi)!;
        string? line = p.StandardOutput.ReadLine();
        if (line != "ready") throw new InvalidOperationException($"dataplane-host {side}: {line} {p.StandardError.ReadToEnd()}");
        return p;
    }
}

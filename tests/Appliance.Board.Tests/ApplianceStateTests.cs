using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

public class ApplianceStateTests
{
    [Fact]
    public void Holder_starts_booting_and_raises_Changed_only_on_real_changes()
    {
        var holder = new ApplianceStateHolder();
        var seen = new List<ApplianceState>();
        holder.Changed += seen.Add;

        Assert.True(holder.Current.Booting);
        holder.MarkBooted();
        holder.MarkBooted();
        holder.SetTunnel("hq", TunnelState.Up);
        holder.SetTunnel("hq", TunnelState.Up);

        Assert.Equal(2, seen.Count);
        Assert.Equal(TunnelState.Up, holder.Current.Tunnels["hq"]);
    }

    [Fact]
    public void Faults_are_kept_per_source()
    {
        var holder = new ApplianceStateHolder();
        holder.RaiseFault("reset-button", "stuck");
        holder.RaiseFault("ike", "socket closed");
        holder.ClearFault("reset-button");

        Assert.True(holder.Current.Fault);
        Assert.Equal(["ike"], holder.Current.Faults.Keys);
        holder.ClearFault("ike");
        Assert.False(holder.Current.Fault);
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_update()
    {
        var holder = new ApplianceStateHolder();
        const int writers = 4, each = 500;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < each; i++) holder.SetTunnel($"w{w}-t{i}", TunnelState.Negotiating);
        })));

        Assert.Equal(writers * each, holder.Current.Tunnels.Count);
    }

    [Fact]
    public void States_with_equal_content_are_equal()
    {
        var a = new ApplianceState { WanLinkUp = true }.With("hq", TunnelState.Up);
        var b = new ApplianceState { WanLinkUp = true }.With("hq", TunnelState.Up);
        Assert.Equal(a, b);
        Assert.NotEqual(a, b.With("hq", TunnelState.Down));
    }

    [Fact]
    public void Watchdog_is_fresh_until_its_timeout_passes_without_a_feed()
    {
        var time = new FakeTimeProvider();
        var watchdog = new LivenessWatchdog(time, TimeSpan.FromSeconds(5));
        Assert.True(watchdog.IsFresh);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(watchdog.IsFresh);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(watchdog.IsFresh);
        watchdog.Feed();
        Assert.True(watchdog.IsFresh);
    }
}

internal static class ApplianceStateExtensions
{
    public static ApplianceState With(this ApplianceState s, string tunnel, TunnelState state) =>
        s with { Tunnels = s.Tunnels.SetItem(tunnel, state) };
}

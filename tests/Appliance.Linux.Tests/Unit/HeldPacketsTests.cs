using Appliance.Linux.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Linux.Tests.Unit;

/// <summary>The bounded per-tunnel queue that keeps packets while the first SA is negotiated.</summary>
public sealed class HeldPacketsTests
{
    [Fact]
    public void Holds_up_to_capacity_in_order_and_expires_old_packets()
    {
        var time = new FakeTimeProvider();
        var held = new HeldPackets(tunnels: 2, capacity: 2, maxAge: TimeSpan.FromSeconds(2), time);

        Assert.True(held.TryHold(0, [1], time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(held.TryHold(0, [2], time.GetTimestamp()));
        Assert.False(held.TryHold(0, [3], time.GetTimestamp()));
        Assert.True(held.TryHold(1, [9], time.GetTimestamp()));
        Assert.Equal(3, held.Count);

        time.Advance(TimeSpan.FromSeconds(1.5));
        long now = time.GetTimestamp();
        // Without an SA only expired packets leave; packet 2 (1.5 s old) stays.
        Assert.True(held.TryTake(0, now, onlyExpired: true, out var first, out bool expired));
        Assert.Equal([1], first);
        Assert.True(expired);
        Assert.False(held.TryTake(0, now, onlyExpired: true, out _, out _));
        // With an SA everything leaves, still in order.
        Assert.True(held.TryTake(0, now, onlyExpired: false, out var second, out expired));
        Assert.Equal([2], second);
        Assert.False(expired);
        Assert.Equal(1, held.Count);
    }
}

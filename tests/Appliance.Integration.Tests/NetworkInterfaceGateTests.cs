using Appliance.Board;
using Appliance.Network;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Integration.Tests;

/// <summary>In memory: what needs the NICs waits for them, in order, and a missing NIC is a fault until it appears.</summary>
public sealed class NetworkInterfaceGateTests
{
    private readonly HashSet<string> _present = ["wan0"];
    private readonly FakeTimeProvider _time = new();
    private readonly ApplianceStateHolder _state = new();

    private NetworkInterfaceGate Gate() => new(["wan0", "lan0", null], n => { lock (_present) return _present.Contains(n); }, _state, _time, NullLogger.Instance);

    [Fact]
    public async Task Present_nics_start_everything_at_once()
    {
        _present.Add("lan0");
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        var started = new List<string>();
        gate.WhenReady("a", () => started.Add("a"));
        Assert.Equal(["a"], started);
        Assert.True(_state.Current.Faults.IsEmpty);
    }

    [Fact]
    public async Task A_missing_nic_holds_starts_back_in_order_and_is_a_fault_until_it_appears()
    {
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        var started = new List<string>();
        gate.WhenReady("LAN address", () => started.Add("lan"));
        gate.WhenReady("data plane", () => throw new IOException("boom"));
        gate.WhenReady("third", () => started.Add("third"));
        Task waiting = gate.WaitAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(started);
        Assert.False(waiting.IsCompleted);
        Assert.Equal("waiting for network interface lan0", _state.Current.Faults["interfaces"]);

        lock (_present) _present.Add("lan0");
        _time.Advance(NetworkInterfaceGate.CheckInterval);
        Assert.True(SpinWait.SpinUntil(() => started.Count == 2, TimeSpan.FromSeconds(5)));
        Assert.Equal(["lan", "third"], started);
        // The failing start is a fault of its own; the others ran.
        Assert.Equal("data plane failed to start: boom", _state.Current.Faults["interfaces"]);
        _time.Advance(NetworkInterfaceGate.CheckInterval);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(gate.IsReady);
    }

    [Fact]
    public async Task Stopping_while_waiting_starts_nothing()
    {
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        bool started = false;
        gate.WhenReady("x", () => started = true);
        await gate.StopAsync(CancellationToken.None);
        lock (_present) _present.Add("lan0");
        _time.Advance(TimeSpan.FromSeconds(3));
        Thread.Sleep(200);
        Assert.False(started);
    }
}

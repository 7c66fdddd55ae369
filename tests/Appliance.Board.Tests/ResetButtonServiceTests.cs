using Appliance.Common;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

/// <summary>
/// The reset button's acceptance tests: the simulated board's button line is pressed and released,
/// the fake clock advanced, and the service polled as its timer would.
/// </summary>
public class ResetButtonServiceTests
{
    private sealed class Rig : IDisposable
    {
        public Rig(bool heldAtPowerUp = false, bool realReset = true)
        {
            if (heldAtPowerUp) Board.PressButton();
            Action reset = realReset ? () => FactoryReset.Run(State.Layout) : () => FakeResets++;
            Button = new ResetButtonService(Board.Profile, Board.Gpio, Appliance, reset, Time);
            Button.ShortPress += (_, _) => Events.Add("short-press");
            Button.FactoryResetCompleted += (_, _) => Events.Add("factory-reset-completed");
            Button.ProvisioningRequested += (_, _) => Events.Add("provisioning");
            Button.Fault += (_, reason) => Events.Add("fault: " + reason);
            Button.FaultCleared += (_, _) => Events.Add("fault-cleared");
            Button.Attach();
        }

        public FakeTimeProvider Time { get; } = new();
        public SimulatedBoard Board { get; } = new();
        public StateDirectory State { get; } = new();
        public ApplianceStateHolder Appliance { get; } = new();
        public ResetButtonService Button { get; }
        public List<string> Events { get; } = [];
        public int FakeResets;

        /// <summary>Lets time pass with the service polling every 20 ms, as its timer does.</summary>
        public void Run(TimeSpan duration)
        {
            TimeSpan step = ResetButtonTiming.Default.PollInterval;
            for (TimeSpan t = TimeSpan.Zero; t < duration; t += step)
            {
                Time.Advance(step);
                Button.Poll();
            }
        }

        /// <summary>Lets a few milliseconds pass with no poll: only edge events reach the service.</summary>
        public void Between(int milliseconds) => Time.Advance(TimeSpan.FromMilliseconds(milliseconds));

        public void Hold(TimeSpan duration)
        {
            Board.PressButton();
            Run(duration);
            Board.ReleaseButton();
            Run(TimeSpan.FromMilliseconds(200));
        }

        public void Dispose()
        {
            Board.Dispose();
            State.Dispose();
        }
    }

    [Fact]
    public void Short_press_reinitiates_and_nothing_else()
    {
        using var rig = new Rig();
        rig.Hold(TimeSpan.FromMilliseconds(300));

        Assert.Equal(["short-press"], rig.Events);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
        Assert.False(rig.Button.ProvisioningModeRequested);
    }

    [Fact]
    public void Ten_second_hold_then_release_performs_a_factory_reset_and_nothing_else()
    {
        using var rig = new Rig();
        rig.Board.PressButton();
        rig.Run(TimeSpan.FromSeconds(10.1));

        // Armed: the fault LED says so, but nothing has been erased yet.
        Assert.True(rig.Appliance.Current.ResetArmed);
        Assert.Equal(LedPattern.FastBlink, LedLanguage.Patterns(rig.Appliance.Current, alive: true).Fault);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
        Assert.Empty(rig.Events);

        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromMilliseconds(200));

        Assert.Equal(["factory-reset-completed"], rig.Events);
        Assert.Equal(StateDirectory.Factory(), rig.State.Snapshot());
        Assert.False(rig.Appliance.Current.ResetArmed);
        Assert.False(rig.Appliance.Current.Fault);
    }

    [Fact]
    public void Nine_second_hold_does_nothing()
    {
        using var rig = new Rig();
        rig.Hold(TimeSpan.FromSeconds(9));

        Assert.Empty(rig.Events);
        Assert.False(rig.Appliance.Current.ResetArmed);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
    }

    [Fact]
    public void A_hold_between_short_and_reset_does_nothing()
    {
        using var rig = new Rig();
        rig.Hold(TimeSpan.FromSeconds(2.5));
        Assert.Empty(rig.Events);
    }

    [Fact]
    public void Bounce_on_the_press_edge_still_counts_the_hold()
    {
        using var rig = new Rig();
        // Contact chatter on the press, faster than the poll: only the edge events see it.
        rig.Board.PressButton();
        rig.Between(2);
        rig.Board.ReleaseButton();
        rig.Between(3);
        rig.Board.PressButton();
        rig.Between(1);
        rig.Board.ReleaseButton();
        rig.Between(2);
        rig.Board.PressButton();
        rig.Run(TimeSpan.FromSeconds(10));

        Assert.True(rig.Appliance.Current.ResetArmed);
        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromMilliseconds(200));

        Assert.Equal(["factory-reset-completed"], rig.Events);
        Assert.Equal(StateDirectory.Factory(), rig.State.Snapshot());
    }

    [Fact]
    public void Bounce_on_the_release_edge_gives_one_short_press()
    {
        using var rig = new Rig();
        rig.Board.PressButton();
        rig.Run(TimeSpan.FromMilliseconds(400));
        rig.Board.ReleaseButton();
        rig.Between(2);
        rig.Board.PressButton();
        rig.Between(2);
        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromMilliseconds(200));

        Assert.Equal(["short-press"], rig.Events);
    }

    [Fact]
    public void A_glitch_shorter_than_the_debounce_is_not_a_press()
    {
        using var rig = new Rig();
        rig.Board.PressButton();
        rig.Between(5);
        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromSeconds(1));

        Assert.Empty(rig.Events);
    }

    [Fact]
    public async Task A_missed_edge_is_caught_by_the_poll()
    {
        using var rig = new Rig(realReset: false);
        // Stopping detaches the pushed edges: from here on only the polls see the pin, as on hardware.
        await rig.Button.StopAsync(CancellationToken.None);
        rig.Hold(TimeSpan.FromMilliseconds(500));

        Assert.Equal(["short-press"], rig.Events);
    }

    [Fact]
    public void Boot_with_the_button_held_enters_provisioning_mode()
    {
        using var rig = new Rig(heldAtPowerUp: true);

        Assert.True(rig.Button.ProvisioningModeRequested);
        Assert.True(rig.Appliance.Current.ProvisioningMode);
        Assert.Equal(["provisioning"], rig.Events);

        // Letting go after the boot hold is neither a short press nor a reset.
        rig.Run(TimeSpan.FromSeconds(12));
        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(["provisioning"], rig.Events);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
        Assert.Equal(ButtonPhase.Released, rig.Button.Phase);

        // The button works normally afterwards.
        rig.Hold(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["provisioning", "short-press"], rig.Events);
    }

    [Fact]
    public void A_button_stuck_at_boot_is_a_fault_not_a_reset_loop()
    {
        using var rig = new Rig(heldAtPowerUp: true);
        rig.Run(TimeSpan.FromSeconds(59));
        Assert.False(rig.Appliance.Current.Fault);

        rig.Run(TimeSpan.FromSeconds(2));

        Assert.True(rig.Appliance.Current.Fault);
        Assert.Contains(ResetButtonService.FaultSource, rig.Appliance.Current.Faults.Keys);
        Assert.Equal(LedPattern.On, LedLanguage.Patterns(rig.Appliance.Current, alive: true).Fault);
        Assert.Equal(2, rig.Events.Count);
        Assert.StartsWith("fault: reset button stuck", rig.Events[1]);

        // Freed at last: the fault clears and still nothing is erased.
        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.Equal("fault-cleared", rig.Events[^1]);
        Assert.False(rig.Appliance.Current.Fault);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
    }

    [Fact]
    public void A_button_stuck_while_running_disarms_and_never_resets()
    {
        using var rig = new Rig();
        rig.Board.PressButton();
        rig.Run(TimeSpan.FromSeconds(30));
        Assert.True(rig.Appliance.Current.ResetArmed);

        rig.Run(TimeSpan.FromSeconds(31));
        Assert.False(rig.Appliance.Current.ResetArmed);
        Assert.True(rig.Appliance.Current.Fault);

        rig.Board.ReleaseButton();
        rig.Run(TimeSpan.FromSeconds(1));

        Assert.DoesNotContain("factory-reset-completed", rig.Events);
        Assert.Equal(StateDirectory.Old(), rig.State.Snapshot());
    }

    [Fact]
    public void A_failed_reset_is_reported_as_a_fault()
    {
        using var rig = new Rig(realReset: false);
        var failing = new ResetButtonService(rig.Board.Profile, rig.Board.Gpio, rig.Appliance,
            () => throw new IOException("disk full"), rig.Time);
        string? fault = null;
        failing.Fault += (_, reason) => fault = reason;
        failing.Attach();

        rig.Board.PressButton();
        for (int i = 0; i < 520; i++) { rig.Time.Advance(TimeSpan.FromMilliseconds(20)); failing.Poll(); }
        rig.Board.ReleaseButton();
        for (int i = 0; i < 10; i++) { rig.Time.Advance(TimeSpan.FromMilliseconds(20)); failing.Poll(); }

        Assert.Equal("factory reset failed: disk full", fault);
        Assert.False(rig.Appliance.Current.ResetArmed);
    }

    [Fact]
    public async Task The_background_loop_polls_on_its_timer()
    {
        using var rig = new Rig(realReset: false);
        await rig.Button.StartAsync(CancellationToken.None);
        try
        {
            rig.Board.PressButton();
            for (int i = 0; i < 12; i++)
            {
                rig.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(1);
            }
            await LedServiceTests.WaitUntil(() => rig.Button.Phase == ButtonPhase.Armed);
            rig.Board.ReleaseButton();
            for (int i = 0; i < 5; i++)
            {
                rig.Time.Advance(TimeSpan.FromMilliseconds(20));
                await Task.Delay(1);
            }
            await LedServiceTests.WaitUntil(() => rig.Events.Contains("factory-reset-completed"));
        }
        finally
        {
            await rig.Button.StopAsync(CancellationToken.None);
        }
        Assert.Equal(1, rig.FakeResets);
    }
}

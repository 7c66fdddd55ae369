using System.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

/// <summary>
/// A chip that cannot be opened at start (udev applied the gpio group late, no libgpiod): the LED and
/// button services keep running, say nothing works yet, and take the chip over once it opens.
/// </summary>
public class DeferredGpioTests
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(10);

    private sealed class Rig : IDisposable
    {
        public Rig(int failures)
        {
            FailuresLeft = failures;
            Driver = new DeferredGpioDriver(() =>
            {
                Attempts++;
                if (FailuresLeft-- > 0) throw new GpioUnavailableException("cannot open gpiochip0: Permission denied");
                return Chip;
            }, Time, Retry);
            Driver.Unavailable += reason => Events.Add("unavailable: " + reason);
            Driver.Available += () => Events.Add("available");
            Gpio = new BoardGpio(new GpioController(Driver), new GpioDriverPlan(GpioBackend.LibgpiodV2, 0, "test"));
        }

        public SimulatedBoard Board { get; } = new();
        public SimulatedGpioDriver Chip { get; } = new();
        public FakeTimeProvider Time { get; } = new();
        public DeferredGpioDriver Driver { get; }
        public BoardGpio Gpio { get; }
        public int FailuresLeft;
        public int Attempts;
        public List<string> Events { get; } = [];

        public void Dispose()
        {
            Gpio.Dispose();
            Board.Dispose();
        }
    }

    [Fact]
    public void Controller_over_an_unavailable_chip_is_built_without_touching_the_chip()
    {
        using var rig = new Rig(failures: int.MaxValue);
        Assert.Equal(0, rig.Attempts);
        Assert.False(rig.Driver.IsAvailable);
    }

    [Fact]
    public void Calls_fail_fast_with_IOException_and_the_chip_is_retried_only_after_the_interval()
    {
        using var rig = new Rig(failures: 1);
        var first = Assert.Throws<IOException>(() => rig.Gpio.Controller.OpenPin(5, PinMode.Output));
        Assert.Contains("Permission denied", first.Message);
        Assert.Equal(1, rig.Attempts);
        Assert.Equal(["unavailable: cannot open gpiochip0: Permission denied"], rig.Events);
        Assert.Equal("cannot open gpiochip0: Permission denied", rig.Driver.Failure);

        // Within the interval: no new attempt, no new event, the same error.
        rig.Time.Advance(Retry - TimeSpan.FromSeconds(1));
        Assert.Throws<IOException>(() => rig.Gpio.Controller.OpenPin(5, PinMode.Output));
        Assert.Equal(1, rig.Attempts);
        Assert.Single(rig.Events);

        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.Gpio.Controller.OpenPin(5, PinMode.Output, PinValue.High);
        Assert.Equal(2, rig.Attempts);
        Assert.Equal("available", rig.Events[^1]);
        Assert.True(rig.Driver.IsAvailable);
        Assert.Null(rig.Driver.Failure);
        // Opened on the real chip with its initial level, then written through.
        Assert.True(rig.Chip.IsOpen(5));
        Assert.Equal(PinValue.High, rig.Chip.GetLevel(5));
        rig.Gpio.Controller.Write(5, PinValue.Low);
        Assert.Equal(PinValue.Low, rig.Chip.GetLevel(5));
    }

    [Fact]
    public void Leds_are_worked_out_without_a_chip_and_driven_once_it_opens()
    {
        using var rig = new Rig(failures: 1);
        var state = new ApplianceStateHolder();
        var watchdog = new LivenessWatchdog(rig.Time);
        watchdog.Feed();
        var leds = new LedService(rig.Board.Profile, rig.Gpio.Controller, state, watchdog, rig.Time);
        state.MarkBooted();

        leds.Tick(); // Must not throw: the chip is unusable.
        Assert.NotEqual(ApplianceCondition.Booting, leds.GetLeds().Condition);
        Assert.All(rig.Board.Profile.Leds, led => Assert.False(rig.Chip.IsOpen(led.Pin)));

        rig.Time.Advance(Retry);
        watchdog.Feed();
        leds.Tick();
        Assert.All(rig.Board.Profile.Leds, led => Assert.True(rig.Chip.IsOpen(led.Pin)));
        Assert.Contains(leds.GetLeds().Leds, r => r.IsOn);
    }

    [Fact]
    public void Button_without_a_chip_reads_released_and_works_once_the_chip_opens()
    {
        using var rig = new Rig(failures: 1);
        var state = new ApplianceStateHolder();
        int shortPresses = 0;
        var button = new ResetButtonService(rig.Board.Profile, rig.Gpio, state, () => { }, rig.Time);
        button.ShortPress += (_, _) => shortPresses++;
        Assert.False(button.ProvisioningModeRequested);

        TimeSpan step = ResetButtonTiming.Default.PollInterval;
        for (int i = 0; i < 100; i++) { rig.Time.Advance(step); button.Poll(); } // 2 s: nothing to read yet
        Assert.Equal(1, rig.Attempts);

        for (int i = 0; i < 500; i++) { rig.Time.Advance(step); button.Poll(); } // the retry opens the chip
        Assert.True(rig.Chip.IsOpen(rig.Board.ButtonPin));

        ResetButtonDefinition b = rig.Board.Profile.ResetButton;
        rig.Chip.SetInput(b.Pin, b.ActiveLow ? PinValue.Low : PinValue.High);
        for (int i = 0; i < 15; i++) { rig.Time.Advance(step); button.Poll(); }
        rig.Chip.SetInput(b.Pin, null);
        for (int i = 0; i < 10; i++) { rig.Time.Advance(step); button.Poll(); }
        Assert.Equal(1, shortPresses);
    }
}

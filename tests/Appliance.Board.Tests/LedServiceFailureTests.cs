using System.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

public class LedServiceFailureTests
{
    /// <summary>A chip whose writes fail until told otherwise (a line claimed by another process, say).</summary>
    private sealed class FlakyDriver : GpioDriver
    {
        public bool Failing = true;
        public readonly Dictionary<int, PinValue> Levels = [];
        protected override int PinCount => 64;
        protected override void OpenPin(int pinNumber) { }
        protected override void ClosePin(int pinNumber) { }
        protected override void SetPinMode(int pinNumber, PinMode mode) { }
        protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue) => Levels[pinNumber] = initialValue;
        protected override PinMode GetPinMode(int pinNumber) => PinMode.Output;
        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
        protected override PinValue Read(int pinNumber) => Levels.GetValueOrDefault(pinNumber);
        protected override void Write(int pinNumber, PinValue value)
        {
            if (Failing) throw new IOException("line busy");
            Levels[pinNumber] = value;
        }
        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) => new() { TimedOut = true };
        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) { }
        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) { }
    }

    [Fact]
    public void A_failing_line_is_retried_and_never_throws_out_of_the_loop()
    {
        var driver = new FlakyDriver();
        using var gpio = new GpioController(driver);
        var profile = BoardProfile.Load("simulated", RepoPaths.BoardRoot);
        var time = new FakeTimeProvider();
        var state = new ApplianceStateHolder(new ApplianceState { WanLinkUp = true });
        var leds = new LedService(profile, gpio, state, new LivenessWatchdog(time), time);

        leds.Tick(); // Writes fail: no exception escapes.
        Assert.Equal(PinValue.Low, driver.Levels[profile.Led(LedRole.Wan).Pin]);

        driver.Failing = false;
        time.Advance(LedPatternTiming.Tick);
        leds.Tick(); // The WAN LED is written again although its pattern did not change.

        Assert.Equal(PinValue.High, driver.Levels[profile.Led(LedRole.Wan).Pin]);
    }
}

using System.Device.Gpio;

namespace Appliance.Board.Tests;

public class SimulatedGpioDriverTests
{
    [Fact]
    public void Pulled_up_input_reads_high_until_driven_low_and_reports_edges()
    {
        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(26, PinMode.InputPullUp);
        var edges = new List<PinEventTypes>();
        gpio.RegisterCallbackForPinValueChangedEvent(26, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => edges.Add(e.ChangeType));

        Assert.Equal(PinValue.High, gpio.Read(26));
        driver.SetInput(26, PinValue.Low);
        Assert.Equal(PinValue.Low, gpio.Read(26));
        driver.SetInput(26, PinValue.Low); // No change, no edge.
        driver.SetInput(26, null);         // Released to the pull-up.
        Assert.Equal(PinValue.High, gpio.Read(26));

        Assert.Equal([PinEventTypes.Falling, PinEventTypes.Rising], edges);
    }

    [Fact]
    public void Outputs_keep_what_was_written()
    {
        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(17, PinMode.Output, PinValue.High);
        Assert.Equal(PinValue.High, driver.GetLevel(17));
        gpio.Write(17, PinValue.Low);
        Assert.Equal(PinValue.Low, driver.GetLevel(17));
        Assert.Equal(PinMode.Output, driver.GetMode(17));
    }

    [Fact]
    public void Inputs_are_not_driven_by_writes_and_lines_outside_the_chip_are_rejected()
    {
        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(5, PinMode.InputPullUp);
        _ = Record.Exception(() => gpio.Write(5, PinValue.Low)); // GpioController may or may not pass it on.
        Assert.Equal(PinValue.High, driver.GetLevel(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetInput(64, PinValue.High));
    }

    [Fact]
    public async Task WaitForEvent_completes_on_the_edge()
    {
        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(26, PinMode.InputPullUp);
        var wait = gpio.WaitForEventAsync(26, PinEventTypes.Falling, TimeSpan.FromSeconds(10)).AsTask();
        Assert.False(wait.IsCompleted);
        driver.SetInput(26, PinValue.Low);
        WaitForEventResult result = await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PinEventTypes.Falling, result.EventTypes);
        Assert.False(result.TimedOut);
    }
}

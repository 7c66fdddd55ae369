namespace Appliance.Board;

public enum GpioBackend
{
    Simulated,
    /// <summary>libgpiod 2.x (libgpiod.so.3) through System.Device.Gpio's LibGpiodV2Driver.</summary>
    LibgpiodV2,
    /// <summary>libgpiod 1.x (libgpiod.so.2) through System.Device.Gpio's LibGpiodDriver.</summary>
    LibgpiodV1,
}

/// <summary>What <see cref="GpioDriverFactory"/> will build: the backend and the chip number to open.</summary>
public sealed record GpioDriverPlan(GpioBackend Backend, int ChipNumber, string ChipLabel)
{
    public override string ToString() =>
        Backend == GpioBackend.Simulated ? "simulated GPIO" : $"{Backend} on gpiochip{ChipNumber} '{ChipLabel}'";
}

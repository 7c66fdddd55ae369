using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace Appliance.Board;

/// <summary>
/// Builds the GPIO driver for a profile explicitly. <c>new GpioController()</c> is not used: in
/// System.Device.Gpio 4.2.0 its auto-detection aborts on images that only ship libgpiod v2 and picks
/// the chip with the most lines (the wrong one on a Pi 5). Order: libgpiod v2 (libgpiod.so.3), then
/// v1 (libgpiod.so.2), then a clear error; the chip is the one whose label the profile names.
/// </summary>
public static class GpioDriverFactory
{
    /// <exception cref="GpioUnavailableException">No libgpiod, or no chip with the profile's label.</exception>
    public static GpioDriverPlan Plan(BoardProfile profile, GpioEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(environment);
        if (profile.IsSimulated)
            return new GpioDriverPlan(GpioBackend.Simulated, 0, profile.Gpio.ChipLabel);

        GpioBackend backend =
            environment.CanLoadLibrary(GpioEnvironment.LibgpiodV2Library) ? GpioBackend.LibgpiodV2 :
            environment.CanLoadLibrary(GpioEnvironment.LibgpiodV1Library) ? GpioBackend.LibgpiodV1 :
            throw new GpioUnavailableException(
                $"board '{profile.Name}' needs libgpiod, but neither {GpioEnvironment.LibgpiodV2Library} (libgpiod 2.x) " +
                $"nor {GpioEnvironment.LibgpiodV1Library} (libgpiod 1.x) can be loaded; install the libgpiod package in the image");

        GpioChipEntry chip = GpioChipSelector.Select(environment.ListChips(backend), profile.Gpio.ChipLabel);
        return new GpioDriverPlan(backend, chip.Number, chip.Label);
    }

    public static GpioDriver CreateDriver(GpioDriverPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            return plan.Backend switch
            {
                GpioBackend.Simulated => new SimulatedGpioDriver(),
                GpioBackend.LibgpiodV2 => new LibGpiodV2Driver(plan.ChipNumber),
                GpioBackend.LibgpiodV1 => new LibGpiodDriver(plan.ChipNumber),
                _ => throw new ArgumentOutOfRangeException(nameof(plan)),
            };
        }
        catch (Exception e) when (e is not GpioUnavailableException and not ArgumentOutOfRangeException)
        {
            throw new GpioUnavailableException($"cannot open {plan}: {e.Message}", e);
        }
    }

    /// <summary>Plans against the real machine and builds the driver.</summary>
    public static GpioDriver CreateDriver(BoardProfile profile) => CreateDriver(Plan(profile, GpioEnvironment.System));

    /// <summary>The controller the LED and button services share; the caller disposes it.
    /// Prefer <see cref="BoardGpio.Open(BoardProfile)"/>, which also exposes the simulated chip.</summary>
    public static GpioController CreateController(BoardProfile profile) => new(CreateDriver(profile));
}

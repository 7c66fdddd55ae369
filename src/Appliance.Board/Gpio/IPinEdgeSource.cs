using System.Device.Gpio;

namespace Appliance.Board;

/// <summary>
/// Input level changes pushed by a driver that can report them without going through
/// <see cref="GpioController.RegisterCallbackForPinValueChangedEvent"/>. Only the simulated driver
/// offers it: on hardware the reset button is polled (every 20 ms, like OpenWrt's gpio-keys-polled),
/// because calling the controller's edge callbacks roots LibGpiodV2Driver's event reader, which makes
/// System.Device.Gpio 4.2.0 emit trim warning IL2091 (UnmanagedArray`1.ReadToManagedArray) in a
/// NativeAOT publish — and the build treats every trim warning as a failure.
/// </summary>
public interface IPinEdgeSource
{
    /// <summary>Raised after an input line changes level: (pin, new level).</summary>
    event Action<int, PinValue>? InputChanged;
}

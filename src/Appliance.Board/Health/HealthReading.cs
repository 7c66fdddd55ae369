namespace Appliance.Board;

/// <summary>One sensor that could not be read this time, and why (shown in status, logged once per change).</summary>
/// <param name="Sensor">"temperature", "under-voltage alarm" or "throttled".</param>
public readonly record struct SensorError(string Sensor, string Message);

/// <summary>
/// One poll of the board's health sensors, as read: null where the board has no such sensor or it
/// could not be read (then <see cref="Errors"/> says why).
/// </summary>
/// <param name="TemperatureCelsius">The SoC temperature from the profile's thermal zone.</param>
/// <param name="UnderVoltageAlarm">The raspberrypi-hwmon <c>in0_lcrit_alarm</c> (under-voltage within the driver's last 2 s poll).</param>
/// <param name="FirmwareWord">The firmware's <c>get_throttled</c> word: bits 0-3 now, 16-19 occurred.</param>
public sealed record HealthReading(double? TemperatureCelsius, bool? UnderVoltageAlarm, uint? FirmwareWord, IReadOnlyList<SensorError> Errors)
{
    public static HealthReading Empty { get; } = new(null, null, null, []);
}

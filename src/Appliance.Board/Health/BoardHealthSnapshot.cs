namespace Appliance.Board;

/// <summary>The board's health as last read, for <c>appliance status</c>.</summary>
/// <param name="ReadAt">When the sensors were last read; null before the first poll.</param>
/// <param name="Active">What the LEDs show (held for the tracker's clear time).</param>
/// <param name="Now">What the last reading said.</param>
/// <param name="SinceStart">Everything seen since the service started, including the firmware's sticky bits.</param>
/// <param name="Sources">Where each reading comes from.</param>
public sealed record BoardHealthSnapshot(
    DateTimeOffset? ReadAt, double? TemperatureCelsius, double HotCelsius,
    BoardHealthFlags Active, BoardHealthFlags Now, BoardHealthFlags SinceStart,
    uint? FirmwareWord, IReadOnlyList<SensorError> Errors, IReadOnlyDictionary<string, string> Sources);

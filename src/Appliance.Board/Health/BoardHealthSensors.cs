namespace Appliance.Board;

/// <summary>
/// Reads the board's health sensors where its profile says they are: the SoC temperature from the
/// thermal zone named by <see cref="HealthDefinition.ThermalZone"/>, the under-voltage alarm of the
/// raspberrypi-hwmon device, and the firmware's throttled word. Devices are found by name and the
/// paths remembered; a read that fails forgets the path, so a reloaded driver is found again.
/// Nothing here throws for a missing or garbled sensor: the reading carries the reason.
/// </summary>
public sealed class BoardHealthSensors
{
    private readonly HealthDefinition _health;
    private readonly string _root;
    private readonly IThrottleWordSource? _throttled;
    private string? _zoneDir;
    private string? _hwmonDir;

    /// <param name="root">"/" on the box; a fake tree in tests and on the simulated board.</param>
    /// <param name="throttled">Overrides the profile's throttled source (tests fake the mailbox).</param>
    public BoardHealthSensors(HealthDefinition health, string root = "/", IThrottleWordSource? throttled = null)
    {
        _health = health ?? throw new ArgumentNullException(nameof(health));
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = root;
        _throttled = throttled ?? CreateSource(health.Throttled, root);
    }

    public HealthDefinition Definition => _health;

    /// <summary>Where each reading comes from, for status ("thermal zone cpu-thermal", ...).</summary>
    public IReadOnlyDictionary<string, string> Sources => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["temperature"] = $"thermal zone '{_health.ThermalZone}'",
        ["underVoltage"] = _health.UnderVoltageHwmon is { } h ? $"hwmon '{h}' in0_lcrit_alarm" : "none",
        ["throttled"] = _throttled?.Description ?? "none",
    };

    public HealthReading Read()
    {
        var errors = new List<SensorError>();
        double? temperature = ReadTemperature(errors);
        bool? alarm = ReadUnderVoltageAlarm(errors);
        uint? word = null;
        if (_throttled is not null)
        {
            if (_throttled.TryRead(out uint value, out string? error)) word = value;
            else errors.Add(new SensorError("throttled", error ?? "unreadable"));
        }
        return new HealthReading(temperature, alarm, word, errors);
    }

    private double? ReadTemperature(List<SensorError> errors)
    {
        _zoneDir ??= SysfsClassDevice.Find(_root, "thermal", "thermal_zone", "type", _health.ThermalZone);
        if (_zoneDir is null)
        {
            errors.Add(new SensorError("temperature", $"no thermal zone of type '{_health.ThermalZone}'"));
            return null;
        }
        string? text = SysfsClassDevice.TryReadLine(Path.Combine(_zoneDir, "temp"));
        string? error = $"{_zoneDir}/temp cannot be read";
        if (text is not null && SysfsValues.TryParseMillidegrees(text, out double celsius, out error))
            return celsius;
        errors.Add(new SensorError("temperature", error ?? "unreadable"));
        _zoneDir = null;
        return null;
    }

    private bool? ReadUnderVoltageAlarm(List<SensorError> errors)
    {
        if (_health.UnderVoltageHwmon is not { } name) return null;
        _hwmonDir ??= SysfsClassDevice.Find(_root, "hwmon", "hwmon", "name", name);
        if (_hwmonDir is null)
        {
            errors.Add(new SensorError("under-voltage alarm", $"no hwmon named '{name}' (raspberrypi-hwmon not loaded?)"));
            return null;
        }
        string? text = SysfsClassDevice.TryReadLine(Path.Combine(_hwmonDir, "in0_lcrit_alarm"));
        string? error = $"{_hwmonDir}/in0_lcrit_alarm cannot be read";
        if (text is not null && SysfsValues.TryParseAlarm(text, out bool alarm, out error))
            return alarm;
        errors.Add(new SensorError("under-voltage alarm", error ?? "unreadable"));
        _hwmonDir = null;
        return null;
    }

    private static IThrottleWordSource? CreateSource(ThrottleSourceDefinition? source, string root) => source switch
    {
        null => null,
        { Kind: ThrottleSourceKind.Mailbox } => new VcioMailbox(Under(root, source.Path)),
        _ => new ThrottleWordFile(Under(root, source.Path), $"file {source.Path}"),
    };

    private static string Under(string root, string absolute) =>
        root == "/" ? absolute : Path.Combine(root, absolute.TrimStart('/'));
}

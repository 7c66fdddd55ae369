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

    private double? ReadTemperature(List<SensorError> errors) =>
        ReadDevice<double>(ref _zoneDir, "thermal", "thermal_zone", "type", _health.ThermalZone, "temp",
            SysfsValues.TryParseMillidegrees, "temperature", $"no thermal zone of type '{_health.ThermalZone}'", errors);

    private bool? ReadUnderVoltageAlarm(List<SensorError> errors) =>
        _health.UnderVoltageHwmon is not { } name ? null
        : ReadDevice<bool>(ref _hwmonDir, "hwmon", "hwmon", "name", name, "in0_lcrit_alarm",
            SysfsValues.TryParseAlarm, "under-voltage alarm", $"no hwmon named '{name}' (raspberrypi-hwmon not loaded?)", errors);

    private delegate bool Parser<T>(ReadOnlySpan<char> text, out T value, out string? error);

    /// <summary>Finds the class device by name (or uses the remembered one) and parses one of its attributes.</summary>
    private T? ReadDevice<T>(ref string? dir, string className, string prefix, string nameAttribute, string name,
                             string attribute, Parser<T> parse, string sensor, string missing, List<SensorError> errors)
        where T : struct
    {
        dir ??= SysfsClassDevice.Find(_root, className, prefix, nameAttribute, name);
        if (dir is null)
        {
            errors.Add(new SensorError(sensor, missing));
            return null;
        }
        string path = Path.Combine(dir, attribute);
        string? text = SysfsClassDevice.TryReadLine(path);
        string? error = $"{path} cannot be read";
        if (text is not null && parse(text, out T value, out error))
            return value;
        errors.Add(new SensorError(sensor, error ?? "unreadable"));
        dir = null; // A driver reload renumbers devices: look again next time.
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

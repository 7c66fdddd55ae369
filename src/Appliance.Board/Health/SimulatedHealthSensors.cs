using System.Globalization;
using Appliance.Common;

namespace Appliance.Board;

/// <summary>
/// The simulated board's sensors: a small fake sysfs tree laid out like a Raspberry Pi 4's (thermal
/// zone "cpu-thermal", hwmon "rpi_volt", the legacy get_throttled file), read by the same
/// <see cref="BoardHealthSensors"/> as real hardware. Tests and the demo change the values here
/// (or with `appliance simulate`), the way they press the simulated reset button.
/// </summary>
public sealed class SimulatedHealthSensors
{
    /// <summary>The scenarios `appliance simulate` offers.</summary>
    public static readonly IReadOnlyList<string> Scenarios = ["normal", "under-voltage", "overheat"];

    public const double NormalCelsius = 47.2, OverheatCelsius = 84.5;

    private readonly string _root;
    private readonly HealthDefinition _health;
    private readonly Lock _lock = new();
    private uint _word;

    /// <summary>Creates (or resets) the tree under <paramref name="root"/> for <paramref name="health"/>, all well.</summary>
    public SimulatedHealthSensors(string root, HealthDefinition health)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = root;
        _health = health ?? throw new ArgumentNullException(nameof(health));
        Directory.CreateDirectory(ZoneDir);
        Write(Path.Combine(ZoneDir, "type"), health.ThermalZone);
        if (health.UnderVoltageHwmon is { } hwmon)
        {
            Directory.CreateDirectory(HwmonDir);
            Write(Path.Combine(HwmonDir, "name"), hwmon);
        }
        SetTemperature(NormalCelsius);
        SetUnderVoltageAlarm(false);
        SetFirmwareWord(0);
    }

    /// <summary>The fake root: pass it to <see cref="BoardHealthSensors"/>.</summary>
    public string Root => _root;

    private string ZoneDir => Path.Combine(_root, "sys", "class", "thermal", "thermal_zone0");
    private string HwmonDir => Path.Combine(_root, "sys", "class", "hwmon", "hwmon1");

    public void SetTemperature(double celsius) =>
        Write(Path.Combine(ZoneDir, "temp"), ((int)Math.Round(celsius * 1000)).ToString(CultureInfo.InvariantCulture));

    public void SetUnderVoltageAlarm(bool on)
    {
        if (_health.UnderVoltageHwmon is not null) Write(Path.Combine(HwmonDir, "in0_lcrit_alarm"), on ? "1" : "0");
    }

    /// <summary>Writes the firmware word where the profile's file source reads it (a mailbox cannot be simulated).</summary>
    public void SetFirmwareWord(uint word)
    {
        lock (_lock) _word = word;
        if (_health.Throttled is { Kind: ThrottleSourceKind.File } file)
            Write(Path.Combine(_root, file.Path.TrimStart('/')), word.ToString("x", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Applies a scenario: "under-voltage" (the supply sags: 0x50005, as a Pi 4 reports it, and the hwmon
    /// alarm), "overheat" (84.5 °C, frequency capped, throttled, soft limit: 0xE000E) or "normal" (all well
    /// now; the firmware's "has occurred" bits stay, as on a real board).
    /// </summary>
    /// <returns>False for an unknown scenario.</returns>
    public bool Apply(string scenario)
    {
        uint occurred;
        lock (_lock) occurred = _word & (BoardHealthFlagNames.FirmwareNowMask << BoardHealthFlagNames.FirmwareOccurredShift);
        switch (scenario)
        {
            case "normal":
                SetTemperature(NormalCelsius);
                SetUnderVoltageAlarm(false);
                SetFirmwareWord(occurred);
                return true;
            case "under-voltage":
                SetTemperature(NormalCelsius);
                SetUnderVoltageAlarm(true);
                SetFirmwareWord(occurred | 0x50005);
                return true;
            case "overheat":
                SetTemperature(OverheatCelsius);
                SetUnderVoltageAlarm(false);
                SetFirmwareWord(occurred | 0xE000E);
                return true;
            default:
                return false;
        }
    }

    // Atomic replace, so a poll never reads a half-written value.
    private static void Write(string path, string value) => AtomicFile.WriteAllText(path, value + "\n", AtomicFile.PublicMode);
}

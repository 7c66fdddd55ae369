namespace Appliance.Board;

/// <summary>Validates board.json's "Health" section, adding every problem to the profile's list.</summary>
internal static class HealthProfileValidator
{
    // Below this a "hot" limit would fire in a warm closet; above it the SoC has long shut down.
    private const double MinHotCelsius = 50, MaxHotCelsius = 110;

    public static HealthDefinition? Validate(HealthDocument? doc, List<string> errors)
    {
        if (doc is null) { errors.Add("\"Health\" is missing"); return null; }
        int before = errors.Count;

        string zone = doc.ThermalZone ?? "";
        if (!IsSysfsName(zone))
            errors.Add($"\"Health.ThermalZone\" must name a thermal zone type such as \"cpu-thermal\" (found {Show(doc.ThermalZone)})");
        if (doc.UnderVoltageHwmon is { } hwmon && !IsSysfsName(hwmon))
            errors.Add($"\"Health.UnderVoltageHwmon\" must be a hwmon name such as \"rpi_volt\" or null (found '{hwmon}')");

        ThrottleSourceDefinition? throttled = null;
        if (doc.Throttled is { } source)
        {
            ThrottleSourceKind? kind = source.Source switch
            {
                "mailbox" => ThrottleSourceKind.Mailbox,
                "file" => ThrottleSourceKind.File,
                _ => null,
            };
            if (kind is null)
                errors.Add($"\"Health.Throttled.Source\" must be \"mailbox\" or \"file\" (found {Show(source.Source)})");
            string path = source.Path ?? "";
            string wantedRoot = kind == ThrottleSourceKind.Mailbox ? "/dev/" : "/sys/";
            if (kind is not null && !(path.StartsWith(wantedRoot, StringComparison.Ordinal) && path.Length > wantedRoot.Length &&
                                      !path.Contains("..", StringComparison.Ordinal)))
                errors.Add($"\"Health.Throttled.Path\" must be a path under {wantedRoot} for source '{source.Source}' (found {Show(source.Path)})");
            if (kind is ThrottleSourceKind k && errors.Count == before)
                throttled = new ThrottleSourceDefinition(k, path);
        }

        if (doc.HotCelsius is not double hot)
            errors.Add("\"Health.HotCelsius\" is missing");
        else if (!(hot >= MinHotCelsius && hot <= MaxHotCelsius))
            errors.Add($"\"Health.HotCelsius\" {hot} is out of range ({MinHotCelsius}..{MaxHotCelsius} °C)");

        return errors.Count == before
            ? new HealthDefinition(zone, doc.UnderVoltageHwmon, throttled, doc.HotCelsius!.Value)
            : null;
    }

    // Thermal zone types and hwmon names are short kernel identifiers; nothing that could be a path.
    private static bool IsSysfsName(string name) =>
        name.Length is > 0 and <= 32 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Show(string? value) => value is null ? "nothing" : $"'{value}'";
}

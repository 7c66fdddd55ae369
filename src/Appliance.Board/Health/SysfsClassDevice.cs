namespace Appliance.Board;

/// <summary>
/// Finds a device of a sysfs class by what it calls itself, e.g. the thermal zone whose <c>type</c> is
/// "cpu-thermal" or the hwmon whose <c>name</c> is "rpi_volt". Their numbers (thermal_zone0, hwmon2)
/// depend on probe order and differ between boards and kernels; their names do not.
/// </summary>
public static class SysfsClassDevice
{
    /// <param name="root">The file system root: "/" on the box, a fake tree in tests and on the simulated board.</param>
    /// <param name="className">e.g. "thermal" for /sys/class/thermal.</param>
    /// <param name="prefix">e.g. "thermal_zone"; entries are tried in numeric order.</param>
    /// <param name="attribute">The file holding the name, e.g. "type".</param>
    /// <returns>The device directory, or null when none has that name.</returns>
    public static string? Find(string root, string className, string prefix, string attribute, string name)
    {
        string classDir = Path.Combine(root, "sys", "class", className);
        if (!Directory.Exists(classDir)) return null;
        var candidates = new List<(int Number, string Path)>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(classDir, prefix + "*"))
        {
            // Class entries are symlinks to the device; the suffix must be a number (thermal_zone0).
            if (int.TryParse(Path.GetFileName(entry.AsSpan())[prefix.Length..], out int number))
                candidates.Add((number, entry));
        }
        candidates.Sort((a, b) => a.Number.CompareTo(b.Number));
        foreach ((_, string dir) in candidates)
        {
            string? value = TryReadLine(Path.Combine(dir, attribute));
            if (value == name) return dir;
        }
        return null;
    }

    /// <summary>The file's text, or null if it cannot be read (a device may vanish between listing and reading).</summary>
    public static string? TryReadLine(string path)
    {
        try { return File.ReadAllText(path).TrimEnd('\n', '\r'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}

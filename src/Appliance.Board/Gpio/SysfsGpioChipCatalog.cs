using System.Globalization;

namespace Appliance.Board;

/// <summary>
/// Lists GPIO chips (number ↔ label) from sysfs without opening any device, so selection can be
/// tested against a fake tree. Two layouts are read:
/// <list type="bullet">
/// <item>/sys/class/gpio/chipN/{label,ngpio} (kernels ≥ 6.17 name the class device by chip number);</item>
/// <item>/sys/class/gpio/gpiochipBASE/{label,ngpio} (legacy, named by global base number); the chip
/// number comes from the gpiochipN directory of the same parent device (…/gpiochipBASE/device/gpiochipN),
/// which is the device listed as /sys/bus/gpio/devices/gpiochipN.</item>
/// </list>
/// </summary>
public sealed class SysfsGpioChipCatalog
{
    private readonly string _sysRoot;

    public SysfsGpioChipCatalog(string sysRoot = "/sys") => _sysRoot = sysRoot;

    public IReadOnlyList<GpioChipEntry> Enumerate()
    {
        var byNumber = new SortedDictionary<int, GpioChipEntry>();
        string classDir = Path.Combine(_sysRoot, "class", "gpio");
        if (!Directory.Exists(classDir)) return [];

        foreach (string dir in Directory.EnumerateFileSystemEntries(classDir))
        {
            string name = Path.GetFileName(dir);
            string? label = ReadLine(Path.Combine(dir, "label"));
            if (label is null) continue;
            int lines = ReadInt(Path.Combine(dir, "ngpio")) ?? 0;

            int? number = null;
            if (TryParseSuffix(name, "chip", out int n))
                number = n;
            else if (name.StartsWith("gpiochip", StringComparison.Ordinal))
                number = ChipNumberOfParent(dir);

            if (number is int chip)
                byNumber.TryAdd(chip, new GpioChipEntry(chip, label, lines));
        }
        return [.. byNumber.Values];
    }

    // The legacy class device hangs off the chip's parent device, which also holds gpiochipN.
    private static int? ChipNumberOfParent(string legacyDir)
    {
        string parent = Path.Combine(legacyDir, "device");
        if (!Directory.Exists(parent)) return null;
        // A chip without a parent device is parented to its own gpiochipN device.
        string? target = new DirectoryInfo(parent).LinkTarget;
        if (target is not null && TryParseSuffix(Path.GetFileName(target.TrimEnd('/')), "gpiochip", out int self))
            return self;
        int? found = null;
        foreach (string child in Directory.EnumerateDirectories(parent, "gpiochip*"))
        {
            if (!TryParseSuffix(Path.GetFileName(child), "gpiochip", out int n)) continue;
            if (found is not null) return null; // Several chips under one parent: cannot tell which is ours.
            found = n;
        }
        return found;
    }

    private static bool TryParseSuffix(string name, string prefix, out int number)
    {
        number = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length &&
               int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static string? ReadLine(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static int? ReadInt(string path) =>
        int.TryParse(ReadLine(path), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
}

using System.Device.Gpio.Drivers;
using System.Runtime.InteropServices;

namespace Appliance.Board;

/// <summary>
/// What driver selection asks of the machine: can a native library load, and which chips exist.
/// Tests substitute both; <see cref="System"/> asks the real machine.
/// </summary>
public sealed class GpioEnvironment
{
    public const string LibgpiodV2Library = "libgpiod.so.3";
    public const string LibgpiodV1Library = "libgpiod.so.2";

    public GpioEnvironment(Func<string, bool> canLoadLibrary, Func<GpioBackend, IReadOnlyList<GpioChipEntry>> listChips)
    {
        CanLoadLibrary = canLoadLibrary;
        ListChips = listChips;
    }

    public Func<string, bool> CanLoadLibrary { get; }

    /// <summary>Chips as seen by the given backend (sysfs first; the backend's own chip info if sysfs has none).</summary>
    public Func<GpioBackend, IReadOnlyList<GpioChipEntry>> ListChips { get; }

    public static GpioEnvironment System { get; } = new(TryLoad, ListSystemChips);

    /// <summary>An environment reading chips from a sysfs tree at <paramref name="sysRoot"/> only.</summary>
    public static GpioEnvironment FromSysfs(string sysRoot, Func<string, bool> canLoadLibrary) =>
        new(canLoadLibrary, _ => new SysfsGpioChipCatalog(sysRoot).Enumerate());

    private static bool TryLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    private static IReadOnlyList<GpioChipEntry> ListSystemChips(GpioBackend backend)
    {
        IReadOnlyList<GpioChipEntry> fromSysfs = new SysfsGpioChipCatalog().Enumerate();
        if (fromSysfs.Count > 0) return fromSysfs;
        // Kernels built without CONFIG_GPIO_SYSFS: ask libgpiod, which reads the chip info ioctl.
        try
        {
            var infos = backend switch
            {
                GpioBackend.LibgpiodV2 => LibGpiodV2Driver.GetAvailableChips(),
                GpioBackend.LibgpiodV1 => LibGpiodDriver.GetAvailableChips(),
                _ => [],
            };
            return [.. infos.Select(i => new GpioChipEntry(i.Id, i.Label, i.NumLines))];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // libgpiod reports unreadable /dev/gpiochip* and the like in several exception types.
            throw new GpioUnavailableException($"cannot list GPIO chips through {backend}: {e.Message}", e);
        }
    }
}

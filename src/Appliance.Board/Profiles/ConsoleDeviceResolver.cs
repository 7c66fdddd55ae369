namespace Appliance.Board;

/// <summary>
/// Finds the console UART's real device node. /dev/serial0 is a udev symlink whose target depends
/// on config.txt (ttyAMA0 with disable-bt, ttyS0 otherwise), so it is resolved when the port opens,
/// never baked into the profile.
/// </summary>
public static class ConsoleDeviceResolver
{
    /// <exception cref="BoardProfileException">Neither the device nor its fallback exists.</exception>
    public static string Resolve(ConsoleDefinition console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (TryResolve(console.Device, out string? device)) return device;
        if (console.Fallback is not null && TryResolve(console.Fallback, out string? fallback)) return fallback;
        string tried = console.Fallback is null ? console.Device : $"{console.Device} or {console.Fallback}";
        throw new BoardProfileException($"console UART not found: {tried} does not exist (is the UART enabled in config.txt?)");
    }

    internal static bool TryResolve(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? device)
    {
        device = null;
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists) return false;
            device = target.FullName;
            return true;
        }
        if (!info.Exists) return false;
        device = info.FullName;
        return true;
    }
}

namespace Appliance.Board;

/// <summary>Where the firmware's <c>get_throttled</c> word comes from.</summary>
public interface IThrottleWordSource
{
    /// <summary>For status: e.g. "mailbox /dev/vcio".</summary>
    string Description { get; }

    /// <summary>Reads the word; false with a reason when it cannot be read (never throws for I/O).</summary>
    bool TryRead(out uint word, out string? error);
}

/// <summary>
/// A file holding the word in hex: the legacy <c>/sys/devices/platform/soc/soc:firmware/get_throttled</c>
/// attribute of Raspberry Pi kernels 4.14-6.6 (deprecated since 4.19, with a kernel WARN on first read;
/// removed in 2025), and the simulated board's fake tree.
/// </summary>
public sealed class ThrottleWordFile(string path, string description) : IThrottleWordSource
{
    public string Description { get; } = description;

    public bool TryRead(out uint word, out string? error)
    {
        word = 0;
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: {e.Message}";
            return false;
        }
        return SysfsValues.TryParseThrottledWord(text, out word, out error);
    }
}

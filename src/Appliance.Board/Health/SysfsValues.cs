using System.Globalization;

namespace Appliance.Board;

/// <summary>
/// Parsers for the few sysfs attributes the health monitor reads. Each validates the whole text
/// (a trailing newline allowed) before interpreting it and says what was wrong otherwise.
/// </summary>
public static class SysfsValues
{
    // A thermal zone reading outside this range is a broken sensor, not a temperature.
    private const int MinMillidegrees = -60_000, MaxMillidegrees = 200_000;

    /// <summary>A thermal zone's <c>temp</c>: integer millidegrees Celsius, e.g. "48312\n".</summary>
    public static bool TryParseMillidegrees(ReadOnlySpan<char> text, out double celsius, out string? error)
    {
        celsius = 0;
        ReadOnlySpan<char> value = TrimNewline(text);
        if (value.IsEmpty || value.Length > 8 ||
            !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int milli))
        {
            error = $"not a temperature in millidegrees: '{Show(value)}'";
            return false;
        }
        if (milli is < MinMillidegrees or > MaxMillidegrees)
        {
            error = $"temperature {milli / 1000.0:0.0} °C is outside {MinMillidegrees / 1000}..{MaxMillidegrees / 1000} °C: broken sensor";
            return false;
        }
        celsius = milli / 1000.0;
        error = null;
        return true;
    }

    /// <summary>A hwmon alarm attribute: "0" or "1".</summary>
    public static bool TryParseAlarm(ReadOnlySpan<char> text, out bool alarm, out string? error)
    {
        ReadOnlySpan<char> value = TrimNewline(text);
        alarm = value is "1";
        if (value is "0" or "1")
        {
            error = null;
            return true;
        }
        error = $"not an alarm value (0 or 1): '{Show(value)}'";
        return false;
    }

    /// <summary>
    /// The firmware's throttled word as the legacy <c>get_throttled</c> attribute prints it: hexadecimal
    /// without prefix ("50005\n"); a "0x" prefix is accepted too (vcgencmd's spelling).
    /// </summary>
    public static bool TryParseThrottledWord(ReadOnlySpan<char> text, out uint word, out string? error)
    {
        word = 0;
        ReadOnlySpan<char> value = TrimNewline(text);
        if (value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) value = value[2..];
        if (value.IsEmpty || value.Length > 8 ||
            !uint.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out word))
        {
            error = $"not a hexadecimal throttled word: '{Show(TrimNewline(text))}'";
            return false;
        }
        error = null;
        return true;
    }

    private static ReadOnlySpan<char> TrimNewline(ReadOnlySpan<char> text) => text.TrimEnd("\n\r");

    // Sysfs text is short, but a wrong path could point at anything: show at most 32 printable characters.
    private static string Show(ReadOnlySpan<char> value)
    {
        var shown = new System.Text.StringBuilder(Math.Min(value.Length, 32));
        foreach (char c in value[..Math.Min(value.Length, 32)])
            shown.Append(c is >= ' ' and < (char)0x7f ? c : '?');
        if (value.Length > 32) shown.Append('…');
        return shown.ToString();
    }
}

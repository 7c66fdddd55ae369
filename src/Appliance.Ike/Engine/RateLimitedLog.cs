using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

/// <summary>
/// Log lines that anyone on the internet can trigger (an IKE_SA_INIT from an unknown or spoofed address) at most once per
/// <paramref name="interval"/> per kind, the next line saying how many were held back: a flood costs a counter, not a
/// log storm that fills the flash and hides the lines that matter. The caller passes the clock, so this stays testable.
/// </summary>
internal sealed class RateLimitedLog(ILogger log, TimeSpan interval)
{
    private readonly Dictionary<string, (DateTimeOffset Next, long Held)> _kinds = new(StringComparer.Ordinal);

    /// <returns>Whether the line was due (written, or would have been at this log level); false: held back and counted.</returns>
    public bool Info(string kind, DateTimeOffset now, string format, params object[] args) =>
        Write(LogLevel.Information, kind, now, format, args);

    public bool Warn(string kind, DateTimeOffset now, string format, params object[] args) =>
        Write(LogLevel.Warning, kind, now, format, args);

    private bool Write(LogLevel level, string kind, DateTimeOffset now, string format, object[] args)
    {
        _kinds.TryGetValue(kind, out var state);
        if (now < state.Next)
        {
            _kinds[kind] = (state.Next, state.Held + 1);
            return false;
        }
        _kinds[kind] = (now + interval, 0);
        if (!log.IsEnabled(level))
            return true;
        string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
        if (state.Held > 0)
            text += $" ({state.Held} more like it in the last {interval.TotalSeconds:0} s not logged)";
        log.Log(level, "{Message}", text);
        return true;
    }
}

using Appliance.Board;

namespace Appliance.Systemd;

/// <summary>The LED state as one line for systemd's STATUS= ("all tunnels up: PWR heartbeat, WAN on, VPN on, FLT off").</summary>
public static class LedStatusLine
{
    public static string Render(LedSnapshot snapshot) =>
        snapshot.Description + ": " + string.Join(", ", snapshot.Leds.Select(l => $"{l.Name} {Pattern(l.Pattern)}"));

    // SlowBlink → "slow-blink", as the label text names the patterns.
    private static string Pattern(LedPattern pattern) =>
        string.Concat(pattern.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

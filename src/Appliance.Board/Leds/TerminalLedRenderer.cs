using System.Text;

namespace Appliance.Board;

/// <summary>
/// Draws the LEDs as one status line, e.g. <c>[PWR ●] [WAN ●] [VPN ◐] [FLT ○]  online, tunnels negotiating</c>:
/// ● steady on, ○ off, ◐ blinking. On a terminal the line is redrawn in place with ANSI colours
/// (a blinking LED is bright while lit, dim while dark); into a file or pipe a line is written only
/// when a pattern changes, so logs are not flooded by blinking.
/// </summary>
public sealed class TerminalLedRenderer
{
    private readonly TextWriter _writer;
    private readonly bool _ansi;
    private readonly Lock _lock = new();
    private string? _lastPlain;

    public TerminalLedRenderer(TextWriter writer, bool ansi)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _ansi = ansi;
    }

    /// <summary>Colours when stdout is a terminal that wants them (honours NO_COLOR and TERM=dumb).</summary>
    public static bool StdoutWantsAnsi() =>
        !Console.IsOutputRedirected &&
        Environment.GetEnvironmentVariable("NO_COLOR") is null &&
        Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    /// <summary>Subscribe this to <see cref="LedService.Changed"/>.</summary>
    public void Write(LedSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_lock)
        {
            if (_ansi)
            {
                // Carriage return + erase line: redraw in place.
                _writer.Write("\r\u001b[2K" + Render(snapshot, ansi: true));
                _writer.Flush();
                return;
            }
            string plain = Render(snapshot, ansi: false);
            if (plain == _lastPlain) return;
            _lastPlain = plain;
            _writer.WriteLine(plain);
            _writer.Flush();
        }
    }

    /// <summary>The status line; without ANSI it depends only on patterns, not on blink phase.</summary>
    public static string Render(LedSnapshot snapshot, bool ansi)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var line = new StringBuilder();
        foreach (LedReading led in snapshot.Leds)
        {
            if (line.Length > 0) line.Append(' ');
            line.Append('[').Append(led.Name).Append(' ');
            string symbol = Symbol(led.Pattern);
            if (ansi)
                line.Append(led.IsOn ? BrightColour(led.Colour) : "\u001b[2m").Append(symbol).Append("\u001b[0m");
            else
                line.Append(symbol);
            line.Append(']');
        }
        line.Append("  ").Append(snapshot.Description);
        return line.ToString();
    }

    /// <summary>One line per LED for <c>appliance status</c>, e.g. <c>VPN  blue   fast blink  (lit)</c>, then the meaning.</summary>
    public static IReadOnlyList<string> DescribeLines(LedSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var lines = new List<string>(snapshot.Leds.Count + 1);
        foreach (LedReading led in snapshot.Leds)
            lines.Add($"{led.Name,-4} {led.Colour.ToString().ToLowerInvariant(),-6} {PatternName(led.Pattern),-12} ({(led.IsOn ? "lit" : "dark")})");
        lines.Add("meaning: " + snapshot.Description);
        return lines;
    }

    /// <summary>The pattern's name as board/LEDS.md writes it.</summary>
    public static string PatternName(LedPattern pattern) => pattern switch
    {
        LedPattern.On => "on",
        LedPattern.Off => "off",
        LedPattern.SlowBlink => "slow blink",
        LedPattern.FastBlink => "fast blink",
        LedPattern.DoubleFlash => "double flash",
        LedPattern.Heartbeat => "heartbeat",
        LedPattern.TripleFlash => "triple flash",
        _ => pattern.ToString(),
    };

    public static string Symbol(LedPattern pattern) => pattern switch
    {
        LedPattern.On => "●",
        LedPattern.Off => "○",
        _ => "◐",
    };

    private static string BrightColour(LedColour colour) => colour switch
    {
        LedColour.Red => "\u001b[1;31m",
        LedColour.Green => "\u001b[1;32m",
        LedColour.Yellow or LedColour.Amber => "\u001b[1;33m",
        LedColour.Blue => "\u001b[1;34m",
        _ => "\u001b[1;37m",
    };
}

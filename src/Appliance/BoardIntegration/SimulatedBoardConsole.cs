using Appliance.Board;

namespace Appliance.BoardIntegration;

/// <summary>
/// With the simulated board the LEDs have no light: show them as a status line on stdout whenever a
/// pattern changes (not on every blink, which would flood a log).
/// </summary>
public sealed class SimulatedBoardConsole
{
    private string _last = "";

    public SimulatedBoardConsole(LedService leds)
    {
        leds.Changed += snapshot =>
        {
            string patterns = string.Join(' ', snapshot.Leds.Select(l => $"{l.Name}={l.Pattern}"));
            if (patterns == _last) return;
            _last = patterns;
            Console.Out.WriteLine($"LEDs: {TerminalLedRenderer.Render(snapshot, ansi: TerminalLedRenderer.StdoutWantsAnsi())}");
        };
    }
}

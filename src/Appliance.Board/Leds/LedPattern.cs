namespace Appliance.Board;

/// <summary>What one LED does. Timings are in <see cref="LedPatternTiming"/>.</summary>
public enum LedPattern
{
    Off,
    On,
    /// <summary>1 Hz: 500 ms on, 500 ms off.</summary>
    SlowBlink,
    /// <summary>5 Hz: 100 ms on, 100 ms off.</summary>
    FastBlink,
    /// <summary>Two 200 ms flashes, then 1.4 s dark (2 s period).</summary>
    DoubleFlash,
    /// <summary>A short "lub-dub" every second: 100 on, 150 off, 100 on, 650 off.</summary>
    Heartbeat,
    /// <summary>Three 200 ms flashes, then 1 s dark (2 s period): power or thermal trouble.</summary>
    TripleFlash,
}

/// <summary>
/// The pure time → on/off function of each pattern, measured from the moment the pattern started,
/// so a state change always begins its pattern from the top. All edges fall on multiples of 50 ms,
/// the LED service's tick.
/// </summary>
public static class LedPatternTiming
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    // (on, off) phases in milliseconds; the sequence repeats.
    private static readonly int[] Slow = [500, 500];
    private static readonly int[] Fast = [100, 100];
    private static readonly int[] Double = [200, 200, 200, 1400];
    private static readonly int[] Beat = [100, 150, 100, 650];
    private static readonly int[] Triple = [200, 200, 200, 200, 200, 1000];

    public static bool IsOn(LedPattern pattern, TimeSpan sinceStart) => pattern switch
    {
        LedPattern.Off => false,
        LedPattern.On => true,
        LedPattern.SlowBlink => PhaseIsOn(Slow, sinceStart),
        LedPattern.FastBlink => PhaseIsOn(Fast, sinceStart),
        LedPattern.DoubleFlash => PhaseIsOn(Double, sinceStart),
        LedPattern.Heartbeat => PhaseIsOn(Beat, sinceStart),
        LedPattern.TripleFlash => PhaseIsOn(Triple, sinceStart),
        _ => false,
    };

    /// <summary>Length of one repetition; zero for steady patterns.</summary>
    public static TimeSpan Period(LedPattern pattern) => pattern switch
    {
        LedPattern.SlowBlink => TimeSpan.FromMilliseconds(Slow.Sum()),
        LedPattern.FastBlink => TimeSpan.FromMilliseconds(Fast.Sum()),
        LedPattern.DoubleFlash => TimeSpan.FromMilliseconds(Double.Sum()),
        LedPattern.Heartbeat => TimeSpan.FromMilliseconds(Beat.Sum()),
        LedPattern.TripleFlash => TimeSpan.FromMilliseconds(Triple.Sum()),
        _ => TimeSpan.Zero,
    };

    public static bool Blinks(LedPattern pattern) => pattern is not (LedPattern.Off or LedPattern.On);

    // Even-indexed phases are "on", odd-indexed "off".
    private static bool PhaseIsOn(int[] phases, TimeSpan sinceStart)
    {
        long period = 0;
        foreach (int p in phases) period += p;
        long t = (long)Math.Max(0, sinceStart.TotalMilliseconds) % period;
        for (int i = 0; i < phases.Length; i++)
        {
            if (t < phases[i]) return i % 2 == 0;
            t -= phases[i];
        }
        return false;
    }
}

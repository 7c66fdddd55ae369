namespace Appliance.Board;

/// <summary>A flag appeared (first poll that saw it) or cleared (unseen for the hold time).</summary>
public readonly record struct HealthTransition(BoardHealthFlags Flag, bool Appeared);

/// <summary>
/// Turns successive readings into the flags the box shows. Pure: time comes in as the caller's
/// monotonic "now". A flag is shown from the first poll that sees it and kept until it has been
/// unseen for <see cref="ClearAfter"/>: a supply that sags with every burst of load, or a SoC
/// hovering at its limit, gives one episode (one log line each way, one LED change) instead of a
/// flicker every poll. The temperature limit has 5 °C of hysteresis on top.
/// </summary>
public sealed class BoardHealthTracker
{
    public static readonly TimeSpan DefaultClearAfter = TimeSpan.FromSeconds(30);
    public const double HotHysteresisCelsius = 5;

    private readonly double _hotCelsius;
    private readonly Dictionary<BoardHealthFlags, TimeSpan> _lastSeen = [];

    public BoardHealthTracker(double hotCelsius, TimeSpan? clearAfter = null)
    {
        _hotCelsius = hotCelsius;
        ClearAfter = clearAfter ?? DefaultClearAfter;
        if (ClearAfter < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(clearAfter));
    }

    public TimeSpan ClearAfter { get; }

    /// <summary>What the box shows: seen now, or within <see cref="ClearAfter"/>.</summary>
    public BoardHealthFlags Active { get; private set; }

    /// <summary>What the last reading said, without holding.</summary>
    public BoardHealthFlags Now { get; private set; }

    /// <summary>Everything seen since the tracker started, with the firmware's "has occurred" bits folded in.</summary>
    public BoardHealthFlags SinceStart { get; private set; }

    /// <summary>The flags one reading says are true now (before holding).</summary>
    public BoardHealthFlags Evaluate(HealthReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        BoardHealthFlags now = BoardHealthFlags.None;
        if (reading.FirmwareWord is uint word) now |= BoardHealthFlagNames.FirmwareNow(word);
        // The hwmon alarm is the driver's 2-second sticky bit: it catches dips the instantaneous bit misses.
        if (reading.UnderVoltageAlarm == true) now |= BoardHealthFlags.UnderVoltage;
        if (reading.TemperatureCelsius is double t)
        {
            double limit = (Active & BoardHealthFlags.Hot) != 0 ? _hotCelsius - HotHysteresisCelsius : _hotCelsius;
            if (t >= limit) now |= BoardHealthFlags.Hot;
        }
        return now;
    }

    /// <summary>Feeds one reading taken at <paramref name="now"/>; returns what appeared and cleared, in flag order.</summary>
    public IReadOnlyList<HealthTransition> Update(HealthReading reading, TimeSpan now)
    {
        BoardHealthFlags seen = Evaluate(reading);
        Now = seen;
        SinceStart |= seen;
        if (reading.FirmwareWord is uint word) SinceStart |= BoardHealthFlagNames.FirmwareOccurred(word);

        List<HealthTransition>? changes = null;
        foreach (BoardHealthFlags flag in BoardHealthFlagNames.All)
        {
            bool active = (Active & flag) != 0;
            if ((seen & flag) != 0)
            {
                _lastSeen[flag] = now;
                if (active) continue;
                Active |= flag;
                (changes ??= []).Add(new HealthTransition(flag, Appeared: true));
            }
            else if (active && now - _lastSeen[flag] >= ClearAfter)
            {
                Active &= ~flag;
                (changes ??= []).Add(new HealthTransition(flag, Appeared: false));
            }
        }
        return changes ?? (IReadOnlyList<HealthTransition>)[];
    }
}

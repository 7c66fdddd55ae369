namespace Appliance.Board;

/// <summary>
/// Proof that the host's main loop still runs: the host calls <see cref="Feed"/> from that loop,
/// and the LED service only beats the heartbeat while the last feed is younger than the timeout.
/// A hung service therefore shows a steady power LED instead of a reassuring blink.
/// </summary>
public sealed class LivenessWatchdog
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private long _lastFed;

    public LivenessWatchdog(TimeProvider time, TimeSpan? timeout = null)
    {
        _time = time;
        Timeout = timeout ?? DefaultTimeout;
        _lastFed = time.GetTimestamp();
    }

    public TimeSpan Timeout { get; }

    public void Feed() => Volatile.Write(ref _lastFed, _time.GetTimestamp());

    public TimeSpan SinceLastFeed => _time.GetElapsedTime(Volatile.Read(ref _lastFed));

    public bool IsFresh => SinceLastFeed < Timeout;
}

namespace Appliance.Ipsec;

/// <summary>
/// Per-SA (and one process-wide) counters. Every bump is a single Interlocked add so sealers and
/// openers on different threads can share one instance without locks.
/// </summary>
public sealed class IpsecCounters
{
    private static readonly int ReasonCount = Enum.GetValues<DropReason>().Length;

    private readonly long[] _drops = new long[ReasonCount];
    private long _packets;
    private long _bytes;

    /// <summary>Process-wide totals: every SA adds its drops and traffic here too.</summary>
    public static IpsecCounters Global { get; } = new();

    /// <summary>Packets sealed or opened successfully.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Payload bytes (inner packet or upper-layer data) sealed or opened successfully.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>How many packets were dropped for <paramref name="reason"/>.</summary>
    public long Drops(DropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    /// <summary>All drops, whatever the reason.</summary>
    public long TotalDrops
    {
        get
        {
            long total = 0;
            for (int i = 1; i < _drops.Length; i++)
                total += Interlocked.Read(ref _drops[i]);
            return total;
        }
    }

    public void CountDrop(DropReason reason)
    {
        if (reason != DropReason.None)
            Interlocked.Increment(ref _drops[(int)reason]);
    }

    public void CountPacket(int payloadBytes)
    {
        Interlocked.Increment(ref _packets);
        Interlocked.Add(ref _bytes, payloadBytes);
    }
}

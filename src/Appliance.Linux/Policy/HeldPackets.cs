namespace Appliance.Linux.Policy;

/// <summary>
/// A small bounded queue per tunnel for packets that arrive before the tunnel's first SA (on-demand
/// setup, RFC 4301 §5.1 "acquire"): the first packets of a connection survive the IKE exchange
/// instead of waiting for a retransmit. Used by the LAN thread only; Count is read racily as a hint.
/// </summary>
internal sealed class HeldPackets
{
    private readonly Queue<(byte[] Packet, long Since)>[] _queues;
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private int _count;

    public HeldPackets(int tunnels, int capacity, TimeSpan maxAge, TimeProvider time)
    {
        _queues = Enumerable.Range(0, tunnels).Select(_ => new Queue<(byte[], long)>()).ToArray();
        _capacity = capacity;
        _maxAge = maxAge;
        _time = time;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Keeps a copy of the packet; false when the tunnel's queue is full (the caller drops it).</summary>
    public bool TryHold(int tunnel, ReadOnlySpan<byte> packet, long now)
    {
        var queue = _queues[tunnel];
        if (queue.Count >= _capacity) return false;
        queue.Enqueue((packet.ToArray(), now));
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>
    /// Takes the oldest held packet of a tunnel (only if it expired, when <paramref name="onlyExpired"/>);
    /// <paramref name="expired"/> tells whether it waited too long.
    /// </summary>
    public bool TryTake(int tunnel, long now, bool onlyExpired, out byte[] packet, out bool expired)
    {
        var queue = _queues[tunnel];
        packet = [];
        expired = false;
        if (!queue.TryPeek(out var head) || (onlyExpired && _time.GetElapsedTime(head.Since, now) <= _maxAge)) return false;
        var held = queue.Dequeue();
        Interlocked.Decrement(ref _count);
        packet = held.Packet;
        expired = _time.GetElapsedTime(held.Since, now) > _maxAge;
        return true;
    }
}

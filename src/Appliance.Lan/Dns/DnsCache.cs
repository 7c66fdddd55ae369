using System.Buffers.Binary;

namespace Appliance.Lan.Dns;

/// <summary>
/// Answers by (name, type, class), each kept no longer than its smallest TTL (capped at a day) and handed out with
/// its TTLs reduced by its age; bounded, the least recently used answer making room. Time comes from the clock given.
/// </summary>
public sealed class DnsCache(int capacity, TimeProvider time)
{
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    public readonly record struct Key(string Name, ushort Type, ushort Class);

    private sealed record Entry(Key Key, byte[] Response, int[] TtlOffsets, DateTimeOffset Stored, DateTimeOffset Expires);

    private readonly Dictionary<Key, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private readonly object _gate = new();
    private long _hits, _misses;

    public int Count { get { lock (_gate) return _entries.Count; } }
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>A copy of the cached answer with the client's id and aged TTLs, or null.</summary>
    public byte[]? TryGet(Key key, ushort id)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node) || node.Value.Expires <= now)
            {
                if (node is not null) Remove(node);
                Interlocked.Increment(ref _misses);
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            Interlocked.Increment(ref _hits);
            var e = node.Value;
            byte[] copy = (byte[])e.Response.Clone();
            DnsWire.SetId(copy, id);
            uint age = (uint)Math.Max(0, (now - e.Stored).TotalSeconds);
            foreach (int offset in e.TtlOffsets)
            {
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(offset));
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), ttl > age ? ttl - age : 0);
            }
            return copy;
        }
    }

    public void Store(Key key, byte[] response, DnsResponse.Inspection inspection)
    {
        if (capacity <= 0 || !inspection.Cacheable) return;
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromSeconds(Math.Min(inspection.MinTtl, MaxTtl.TotalSeconds));
        var entry = new Entry(key, (byte[])response.Clone(), inspection.TtlOffsets, now, now + lifetime);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var old)) Remove(old);
            while (_entries.Count >= capacity && _recency.Last is { } last) Remove(last);
            _entries[key] = _recency.AddFirst(entry);
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
    }
}

using System.Buffers.Binary;
using System.Net;

namespace Appliance.Linux.Policy;

/// <summary>
/// Addresses that leave outside the tunnels for a while: what the DNS forwarder answered for an excluded domain, each
/// held until its TTL plus a grace has passed. Bounded; the data path binary-searches an immutable sorted snapshot without
/// a lock, and changes (rare: one per new answer) copy it. (Plain arrays rather than a HashSet of a 128-bit key: each
/// generic instantiation over a value type is native code in the NativeAOT binary, issue 19.)
/// </summary>
public sealed class ExcludedAddresses(int capacity, TimeProvider time)
{
    public enum AddResult { Added, Refreshed, Full }

    // A plain class, not a record: nothing compares entries, and a record's generated members cost binary size.
    public sealed class Entry(IPAddress address, string domain, DateTimeOffset until)
    {
        public IPAddress Address { get; } = address;
        public string Domain { get; } = domain;
        public DateTimeOffset Until { get; } = until;
    }

    // Sorted by (high, low); IPv4 as its IPv4-mapped IPv6 form, so one table holds both families.
    private sealed class Keys(ulong[] high, ulong[] low)
    {
        public readonly ulong[] High = high, Low = low;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private Keys _snapshot = new([], []);

    public int Capacity => capacity;
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Whether the data path should let a packet to <paramref name="address"/> (4 or 16 octets) leave outside the tunnel.</summary>
    public bool Contains(ReadOnlySpan<byte> address)
    {
        var keys = Volatile.Read(ref _snapshot);
        if (keys.High.Length == 0) return false;
        Split(address, out ulong high, out ulong low);
        return Find(keys, high, low) >= 0;
    }

    /// <summary>Holds <paramref name="address"/> until now + <paramref name="hold"/>, or longer if it was already held longer.</summary>
    public AddResult Add(IPAddress address, string domain, TimeSpan hold)
    {
        string name = address.ToString();
        var until = time.GetUtcNow() + hold;
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out var old))
            {
                if (until > old.Until) _entries[name] = new Entry(address, domain, until);
                return AddResult.Refreshed;
            }
            if (_entries.Count >= capacity) return AddResult.Full;
            _entries[name] = new Entry(address, domain, until);
            Split(address.GetAddressBytes(), out ulong high, out ulong low);
            Publish(Insert(_snapshot, high, low));
            return AddResult.Added;
        }
    }

    /// <summary>Forgets <paramref name="address"/> at once (the route for it could not be made).</summary>
    public void Remove(IPAddress address)
    {
        lock (_gate)
            if (_entries.Remove(address.ToString())) Publish(Rebuild());
    }

    /// <summary>Drops the entries whose time is up and returns them.</summary>
    public List<Entry> Expire()
    {
        var now = time.GetUtcNow();
        var gone = new List<Entry>();
        lock (_gate)
        {
            foreach (var e in _entries.Values)
                if (e.Until <= now) gone.Add(e);
            if (gone.Count == 0) return gone;
            foreach (var e in gone) _entries.Remove(e.Address.ToString());
            Publish(Rebuild());
        }
        return gone;
    }

    public List<Entry> Snapshot()
    {
        lock (_gate)
        {
            var list = new List<Entry>(_entries.Values);
            list.Sort((a, b) => string.CompareOrdinal(a.Domain, b.Domain));
            return list;
        }
    }

    private void Publish(Keys keys) => Volatile.Write(ref _snapshot, keys);

    private Keys Rebuild()
    {
        var keys = new Keys([], []);
        foreach (var e in _entries.Values)
        {
            Split(e.Address.GetAddressBytes(), out ulong high, out ulong low);
            keys = Insert(keys, high, low);
        }
        return keys;
    }

    private static Keys Insert(Keys keys, ulong high, ulong low)
    {
        int at = Find(keys, high, low);
        if (at >= 0) return keys;
        at = ~at;
        int n = keys.High.Length;
        var h = new ulong[n + 1];
        var l = new ulong[n + 1];
        Array.Copy(keys.High, h, at);
        Array.Copy(keys.Low, l, at);
        h[at] = high;
        l[at] = low;
        Array.Copy(keys.High, at, h, at + 1, n - at);
        Array.Copy(keys.Low, at, l, at + 1, n - at);
        return new Keys(h, l);
    }

    // Index of the key, or the bitwise complement of where it would go.
    private static int Find(Keys keys, ulong high, ulong low)
    {
        int lo = 0, hi = keys.High.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            ulong h = keys.High[mid], l = keys.Low[mid];
            if (h == high && l == low) return mid;
            if (h < high || (h == high && l < low)) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    private static void Split(ReadOnlySpan<byte> address, out ulong high, out ulong low)
    {
        if (address.Length == 4)
        {
            high = 0;
            low = 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(address);
        }
        else
        {
            high = BinaryPrimitives.ReadUInt64BigEndian(address);
            low = BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
        }
    }
}

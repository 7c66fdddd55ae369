using System.Buffers.Binary;
using System.Net;

namespace Appliance.Linux.Policy;

/// <summary>
/// Addresses that leave outside the tunnels for a while: what the DNS forwarder answered for an excluded domain, each
/// held until its TTL plus a grace has passed. Bounded; the data path reads an immutable snapshot without a lock, and
/// changes (rare: one per new answer) copy it.
/// </summary>
public sealed class ExcludedAddresses(int capacity, TimeProvider time)
{
    public enum AddResult { Added, Refreshed, Full }

    public readonly record struct Entry(IPAddress Address, string Domain, DateTimeOffset Until);

    private readonly Dictionary<UInt128, Entry> _entries = new();
    private readonly object _gate = new();
    private HashSet<UInt128> _snapshot = new();

    public int Capacity => capacity;
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Whether the data path should let a packet to <paramref name="address"/> (4 or 16 octets) leave outside the tunnel.</summary>
    public bool Contains(ReadOnlySpan<byte> address)
    {
        var set = Volatile.Read(ref _snapshot);
        return set.Count != 0 && set.Contains(Key(address));
    }

    /// <summary>Holds <paramref name="address"/> until now + <paramref name="hold"/>, or longer if it was already held longer.</summary>
    public AddResult Add(IPAddress address, string domain, TimeSpan hold)
    {
        var key = Key(address.GetAddressBytes());
        var until = time.GetUtcNow() + hold;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                if (until > old.Until) _entries[key] = old with { Until = until, Domain = domain };
                return AddResult.Refreshed;
            }
            if (_entries.Count >= capacity) return AddResult.Full;
            _entries[key] = new Entry(address, domain, until);
            Publish();
            return AddResult.Added;
        }
    }

    /// <summary>Forgets <paramref name="address"/> at once (the route for it could not be made).</summary>
    public void Remove(IPAddress address)
    {
        lock (_gate)
            if (_entries.Remove(Key(address.GetAddressBytes()))) Publish();
    }

    /// <summary>Drops the entries whose time is up and returns them.</summary>
    public List<Entry> Expire()
    {
        var now = time.GetUtcNow();
        var gone = new List<Entry>();
        lock (_gate)
        {
            foreach (var (key, e) in _entries)
                if (e.Until <= now) gone.Add(e);
            if (gone.Count == 0) return gone;
            foreach (var e in gone) _entries.Remove(Key(e.Address.GetAddressBytes()));
            Publish();
        }
        return gone;
    }

    public List<Entry> Snapshot()
    {
        lock (_gate) return [.. _entries.Values.OrderBy(e => e.Domain, StringComparer.Ordinal)];
    }

    private void Publish() => Volatile.Write(ref _snapshot, [.. _entries.Keys]);

    // IPv4 as its IPv4-mapped IPv6 form, so one set holds both families.
    private static UInt128 Key(ReadOnlySpan<byte> address) => address.Length == 4
        ? new UInt128(0, 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(address))
        : BinaryPrimitives.ReadUInt128BigEndian(address);
}

using System.Collections;

namespace Appliance.Board;

/// <summary>
/// A small immutable map with ordinal string keys, enumerated in key order. It replaces
/// ImmutableSortedDictionary in <see cref="ApplianceState"/>: a state holds a handful of tunnels and fault
/// sources, so copying a sorted array on change is cheaper than a tree and keeps the immutable collections'
/// generic instantiations out of the binary (issue 19).
/// </summary>
public sealed class OrdinalMap<TValue> : IReadOnlyDictionary<string, TValue>
{
    public static OrdinalMap<TValue> Empty { get; } = new([]);

    private readonly KeyValuePair<string, TValue>[] _items; // sorted by key, ordinal

    private OrdinalMap(KeyValuePair<string, TValue>[] items) => _items = items;

    public int Count => _items.Length;

    public bool IsEmpty => _items.Length == 0;

    public IEnumerable<string> Keys => _items.Select(i => i.Key);

    public IEnumerable<TValue> Values => _items.Select(i => i.Value);

    public TValue this[string key] =>
        TryGetValue(key, out TValue? value) ? value : throw new KeyNotFoundException($"no entry '{key}'");

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
    {
        int i = IndexOf(key);
        value = i >= 0 ? _items[i].Value : default;
        return i >= 0;
    }

    /// <summary>A map with key set to value (added or replaced); this one when nothing changes.</summary>
    public OrdinalMap<TValue> SetItem(string key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        int i = IndexOf(key);
        if (i >= 0)
        {
            if (EqualityComparer<TValue>.Default.Equals(_items[i].Value, value))
                return this;
            var replaced = (KeyValuePair<string, TValue>[])_items.Clone();
            replaced[i] = new(key, value);
            return new OrdinalMap<TValue>(replaced);
        }
        int at = ~i;
        var added = new KeyValuePair<string, TValue>[_items.Length + 1];
        Array.Copy(_items, 0, added, 0, at);
        added[at] = new(key, value);
        Array.Copy(_items, at, added, at + 1, _items.Length - at);
        return new OrdinalMap<TValue>(added);
    }

    /// <summary>Adds a key that must not be present (as the immutable collections' Add does).</summary>
    public OrdinalMap<TValue> Add(string key, TValue value) =>
        ContainsKey(key) ? throw new ArgumentException($"'{key}' is already present", nameof(key)) : SetItem(key, value);

    public OrdinalMap<TValue> Remove(string key)
    {
        int i = IndexOf(key);
        if (i < 0)
            return this;
        var removed = new KeyValuePair<string, TValue>[_items.Length - 1];
        Array.Copy(_items, 0, removed, 0, i);
        Array.Copy(_items, i + 1, removed, i, _items.Length - i - 1);
        return new OrdinalMap<TValue>(removed);
    }

    /// <summary>Same keys with equal values, in the same order.</summary>
    public bool ContentEquals(OrdinalMap<TValue> other)
    {
        if (ReferenceEquals(this, other))
            return true;
        if (_items.Length != other._items.Length)
            return false;
        for (int i = 0; i < _items.Length; i++)
        {
            if (!string.Equals(_items[i].Key, other._items[i].Key, StringComparison.Ordinal) ||
                !EqualityComparer<TValue>.Default.Equals(_items[i].Value, other._items[i].Value))
                return false;
        }
        return true;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, TValue>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        int lo = 0, hi = _items.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = string.CompareOrdinal(_items[mid].Key, key);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }
}

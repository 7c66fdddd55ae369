namespace Appliance.Provisioning;

/// <summary>
/// The committed settings and the working copy SET/UNSET change; COMMIT makes the copy the committed
/// state, ABORT throws it away. Keys are case-insensitive as in Microsoft.Extensions.Configuration.
/// </summary>
internal sealed class SettingsDraft
{
    private Dictionary<string, string> _committed = NewMap();
    private Dictionary<string, string> _working = NewMap();

    public IReadOnlyDictionary<string, string> Working => _working;

    public int PendingChanges =>
        _working.Count(kv => !_committed.TryGetValue(kv.Key, out string? v) || v != kv.Value) +
        _committed.Keys.Count(k => !_working.ContainsKey(k));

    /// <summary>Replaces both copies with what storage holds.</summary>
    public void Load(IEnumerable<KeyValuePair<string, string>> committed)
    {
        _committed = NewMap();
        foreach (var (key, value) in committed) _committed[key] = value;
        _working = new Dictionary<string, string>(_committed, StringComparer.OrdinalIgnoreCase);
    }

    public void MarkCommitted() => _committed = new Dictionary<string, string>(_working, StringComparer.OrdinalIgnoreCase);

    public int Abort()
    {
        int dropped = PendingChanges;
        _working = new Dictionary<string, string>(_committed, StringComparer.OrdinalIgnoreCase);
        return dropped;
    }

    public void Set(string key, string value)
    {
        // Remove first so a re-spelled key (case) takes the canonical spelling.
        _working.Remove(key);
        _working[key] = value;
    }

    public bool TryGet(string key, out string value) => _working.TryGetValue(key, out value!);

    public bool Unset(string key) => _working.Remove(key);

    /// <summary>Elements of a list (prefix "…:LocalTs:") in index order.</summary>
    public List<string> GetList(string listKey)
    {
        string prefix = listKey + ":";
        return _working
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && int.TryParse(kv.Key.AsSpan(prefix.Length), out _))
            .OrderBy(kv => int.Parse(kv.Key.AsSpan(prefix.Length)))
            .Select(kv => kv.Value)
            .ToList();
    }

    public int UnsetList(string listKey)
    {
        string prefix = listKey + ":";
        var keys = _working.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (string key in keys) _working.Remove(key);
        return keys.Count;
    }

    private static Dictionary<string, string> NewMap() => new(StringComparer.OrdinalIgnoreCase);
}

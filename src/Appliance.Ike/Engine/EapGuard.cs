namespace Appliance.Ike;

/// <summary>
/// Counts failed EAP logins per user name (case-insensitive) and locks a user out after <c>maxFailures</c> consecutive
/// failures for a while, so passwords cannot be guessed at line rate. During a lock-out an attempt fails before any
/// password is checked. Time is the engine's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class EapGuard
{
    private sealed class Entry
    {
        public int Consecutive;
        public long Total;
        public DateTimeOffset? LockedUntil;
    }

    private readonly Dictionary<string, Entry> _users = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Bounds memory against floods of made-up user names: beyond this, entries without a lock-out are dropped.</summary>
    private const int MaxTracked = 10_000;

    public bool IsLockedOut(string user, DateTimeOffset now, out DateTimeOffset until)
    {
        until = default;
        if (!_users.TryGetValue(user, out Entry? e) || e.LockedUntil is not { } locked || locked <= now)
            return false;
        until = locked;
        return true;
    }

    /// <summary>Records a failure; returns true when this failure started a lock-out.</summary>
    public bool RecordFailure(string user, DateTimeOffset now, int maxFailures, TimeSpan lockOut)
    {
        if (!_users.TryGetValue(user, out Entry? e))
        {
            if (_users.Count >= MaxTracked)
                foreach (string stale in _users.Where(kv => kv.Value.LockedUntil is null || kv.Value.LockedUntil <= now).Select(kv => kv.Key).ToList())
                    _users.Remove(stale);
            _users[user] = e = new Entry();
        }
        e.Total++;
        if (++e.Consecutive < maxFailures)
            return false;
        e.Consecutive = 0;
        e.LockedUntil = now + lockOut;
        return true;
    }

    public void RecordSuccess(string user)
    {
        if (_users.TryGetValue(user, out Entry? e))
        {
            e.Consecutive = 0;
            e.LockedUntil = null;
        }
    }

    /// <summary>Failed logins per user since start, for the status.</summary>
    public IReadOnlyDictionary<string, long> Failures() => _users.Where(kv => kv.Value.Total > 0).ToDictionary(kv => kv.Key, kv => kv.Value.Total);
}

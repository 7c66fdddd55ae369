namespace Appliance.Common;

/// <summary>
/// Progress counters of the service's long-running loops (the IKE engine's timer loop, each data-plane worker).
/// A loop beats once per iteration; every loop wakes at least once a second even when idle, so a counter that
/// has not moved between two checks seconds apart means that loop is stuck (a deadlock, a blocked syscall, an
/// endless loop). The systemd watchdog ping is withheld then, and systemd restarts the service.
/// Counters, not timestamps: a beat is one store on the hot path and needs no clock.
/// </summary>
public sealed class WorkerHeartbeats
{
    private readonly object _gate = new();
    private readonly List<Heartbeat> _workers = [];
    private readonly Dictionary<Heartbeat, long> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Starts watching a loop. Dispose the returned heartbeat when the loop ends on purpose.</summary>
    public Heartbeat Register(string name)
    {
        var heartbeat = new Heartbeat(name, this);
        lock (_gate) _workers.Add(heartbeat);
        return heartbeat;
    }

    internal void Unregister(Heartbeat heartbeat)
    {
        lock (_gate)
        {
            _workers.Remove(heartbeat);
            _seen.Remove(heartbeat);
        }
    }

    /// <summary>The names of the loops that did not beat since the previous call (a loop seen for the first time counts as alive).</summary>
    public IReadOnlyList<string> CheckStalled()
    {
        var stalled = new List<string>();
        lock (_gate)
        {
            foreach (var worker in _workers)
            {
                long count = worker.Count;
                if (_seen.TryGetValue(worker, out long before) && before == count) stalled.Add(worker.Name);
                _seen[worker] = count;
            }
        }
        return stalled;
    }

    /// <summary>The names of the loops being watched.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _workers.Select(w => w.Name).ToArray(); }
    }
}

/// <summary>One loop's progress counter.</summary>
public sealed class Heartbeat : IDisposable
{
    private readonly WorkerHeartbeats _owner;
    private long _count;

    internal Heartbeat(string name, WorkerHeartbeats owner)
    {
        Name = name;
        _owner = owner;
    }

    public string Name { get; }

    internal long Count => Volatile.Read(ref _count);

    /// <summary>One iteration done. Only the owning loop writes, so no interlocked add is needed.</summary>
    public void Beat() => Volatile.Write(ref _count, _count + 1);

    public void Dispose() => _owner.Unregister(this);
}

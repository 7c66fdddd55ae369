namespace Appliance.Ike;

/// <summary>
/// Decides when a tunnel has been idle for its Inactivity time (strongSwan's inactivity): idle means no Child SA of the
/// tunnel counted a new packet, in either direction. A rekey is no activity: the successor SA starts at zero packets and
/// only its own packets count, so an idle tunnel is closed on time even across rekeys.
/// </summary>
public sealed class InactivityTracker(TimeProvider time)
{
    private sealed class TunnelState(DateTimeOffset now)
    {
        public DateTimeOffset LastActivity = now;
        public Dictionary<(uint In, uint Out), long> Packets = new();
    }

    private readonly Dictionary<string, TunnelState> _tunnels = new(StringComparer.Ordinal);

    /// <param name="children">The tunnel's installed Child SAs with their packet counts (in + out).</param>
    public bool IdleFor(string tunnel, IReadOnlyList<((uint In, uint Out) Spis, long Packets)> children, TimeSpan idle)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (children.Count == 0)
        {
            // Nothing to be idle on: the clock starts with the next Child SA.
            _tunnels.Remove(tunnel);
            return false;
        }
        if (!_tunnels.TryGetValue(tunnel, out TunnelState? state))
            _tunnels[tunnel] = state = new TunnelState(now);
        var packets = new Dictionary<(uint In, uint Out), long>(children.Count);
        foreach (var (spis, count) in children)
        {
            if (count > state.Packets.GetValueOrDefault(spis)) state.LastActivity = now;
            packets[spis] = count;
        }
        state.Packets = packets; // SAs gone since the last look drop out here
        return now - state.LastActivity >= idle;
    }

    public void Forget(string tunnel) => _tunnels.Remove(tunnel);
}

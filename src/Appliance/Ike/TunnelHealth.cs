using System.Collections.Concurrent;

namespace Appliance.Ike;

/// <summary>What a technician needs to know about one tunnel; feeds the LEDs and `appliance status`.</summary>
public enum TunnelHealthState { Down, Negotiating, Up, AuthFailed, PeerUnreachable, NoProposal }

/// <summary>Thread-safe map of tunnel name to health; the IKE service writes, LEDs and status read.</summary>
public sealed class TunnelHealth
{
    private readonly ConcurrentDictionary<string, TunnelHealthState> _states = new(StringComparer.Ordinal);

    public event Action? Changed;

    public void Set(string tunnel, TunnelHealthState state)
    {
        TunnelHealthState? old = _states.TryGetValue(tunnel, out var o) ? o : null;
        _states[tunnel] = state;
        if (old != state) Changed?.Invoke();
    }

    public TunnelHealthState Get(string tunnel) => _states.TryGetValue(tunnel, out var s) ? s : TunnelHealthState.Down;

    public IReadOnlyDictionary<string, TunnelHealthState> Snapshot() => new Dictionary<string, TunnelHealthState>(_states);
}

using Appliance.Control;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

/// <summary>
/// What a technician does by hand (`appliance up|down|rekey`), as swanctl's --initiate, --terminate and --rekey:
/// a tunnel taken down stays down - no restart after the DELETE, no trap, no re-initiation after a WAN address
/// change - until `appliance up`, the reset button's re-initiate, or a service restart. HQ may still open it.
/// </summary>
public sealed partial class IkeService : ITunnelControl
{
    // Tunnels the operator took down; their end is no outage and nothing on the box re-opens them.
    private readonly HashSet<string> _adminDown = new(StringComparer.Ordinal);

    public TunnelControlResult Up(string tunnel)
    {
        if (!_options.Tunnels.TryGetValue(tunnel, out var t)) return Unknown(tunnel);
        if (t.RemoteAddress == "%any")
            return TunnelControlResult.Fail($"{tunnel}: RemoteAddress is %any, so the box can only answer HQ; it cannot initiate");
        lock (_gate)
        {
            if (_stopping) return TunnelControlResult.Fail("the service is stopping");
            if (_local is null)
                return TunnelControlResult.Fail($"{tunnel}: the WAN ({_options.Wan.Interface}) has no IPv4 address yet; the tunnels start once it has one");
            bool wasDown = _adminDown.Remove(tunnel);
            _restartAt.Remove(tunnel);
            _idleClosed.Remove(tunnel);
            if (HasIkeSa(tunnel) && !wasDown)
                return TunnelControlResult.Done($"{tunnel}: already up");
            _logger.LogInformation("{Tunnel}: initiating on the operator's request", tunnel);
            _health.Set(tunnel, TunnelHealthState.Negotiating);
            _engine.Initiate(tunnel);
            Flush();
        }
        _wake.Release();
        return TunnelControlResult.Done($"{tunnel}: initiating");
    }

    public TunnelControlResult Down(string tunnel)
    {
        if (!_options.Tunnels.ContainsKey(tunnel)) return Unknown(tunnel);
        lock (_gate)
        {
            if (_stopping) return TunnelControlResult.Fail("the service is stopping");
            _adminDown.Add(tunnel);
            _restartAt.Remove(tunnel);
            _childlessUntil.Remove(tunnel);
            _idleClosed.Remove(tunnel);
            _logger.LogInformation("{Tunnel}: closing on the operator's request; it stays down until `appliance up`", tunnel);
            _health.Set(tunnel, TunnelHealthState.Down);
            _engine.Terminate(tunnel);
            Flush();
        }
        _wake.Release();
        return TunnelControlResult.Done($"{tunnel}: closing (DELETE sent); stays down until `appliance up`");
    }

    public TunnelControlResult Rekey(string tunnel, bool ikeSa)
    {
        if (!_options.Tunnels.ContainsKey(tunnel)) return Unknown(tunnel);
        int started = 0;
        lock (_gate)
        {
            if (ikeSa)
            {
                if (_engine.RequestIkeRekey(tunnel)) started++;
            }
            else
            {
                foreach (var child in _children.Values.Where(c => c.TunnelName == tunnel).ToList())
                    if (_engine.RequestChildRekey(child.InboundSpi)) started++;
            }
            if (started > 0)
                _logger.LogInformation("{Tunnel}: rekeying the {What} on the operator's request", tunnel, ikeSa ? "IKE SA" : $"Child SAs ({started})");
        }
        if (started == 0)
            return TunnelControlResult.Fail($"{tunnel}: no established {(ikeSa ? "IKE SA" : "Child SA")} to rekey (or a rekey is already running)");
        _wake.Release();
        return TunnelControlResult.Done(ikeSa ? $"{tunnel}: rekeying the IKE SA" : $"{tunnel}: rekeying {started} Child SA(s)");
    }

    private static TunnelControlResult Unknown(string tunnel) => TunnelControlResult.Fail($"no tunnel named '{tunnel}'");

    /// <summary>Whether the operator took the tunnel down (`appliance down`), for the status.</summary>
    public bool IsTakenDown(string tunnel)
    {
        lock (_gate) return IsAdminDown(tunnel);
    }

    /// <summary>Whether the operator took the tunnel down (caller holds the lock).</summary>
    private bool IsAdminDown(string tunnel) => _adminDown.Contains(tunnel);
}

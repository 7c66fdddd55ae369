using Appliance.Board;
using Appliance.Ike;

namespace Appliance.BoardIntegration;

/// <summary>Feeds IKE's view of each tunnel into the state the LEDs display.</summary>
public sealed class TunnelHealthBridge
{
    public TunnelHealthBridge(TunnelHealth health, ApplianceStateHolder state, IEnumerable<string> tunnels)
    {
        foreach (string name in tunnels) state.SetTunnel(name, TunnelState.Down);
        health.Changed += () => Copy(health, state);
        // IKE may already have moved on before this bridge exists.
        Copy(health, state);
    }

    private static void Copy(TunnelHealth health, ApplianceStateHolder state)
    {
        foreach (var (name, s) in health.Snapshot()) state.SetTunnel(name, Map(s));
    }

    public static TunnelState Map(TunnelHealthState s) => s switch
    {
        TunnelHealthState.Up => TunnelState.Up,
        TunnelHealthState.Negotiating => TunnelState.Negotiating,
        TunnelHealthState.AuthFailed => TunnelState.AuthFailed,
        TunnelHealthState.PeerUnreachable => TunnelState.PeerUnreachable,
        // A proposal mismatch is a configuration error like a wrong key: it will not fix itself.
        TunnelHealthState.NoProposal => TunnelState.AuthFailed,
        _ => TunnelState.Down,
    };
}

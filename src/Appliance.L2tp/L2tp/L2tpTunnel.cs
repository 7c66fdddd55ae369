using System.Net;

namespace Appliance.L2tp.L2tp;

/// <summary>The LNS states of a control connection (RFC 2661 §7.2.1), plus the two ends of it (§5.7).</summary>
internal enum TunnelState { Idle, WaitCtlConn, Established, StopSent, StopReceived }

/// <summary>One control connection with a LAC, known by our Tunnel ID; its sessions are known by our Session IDs.</summary>
internal sealed class L2tpTunnel(ushort id, ushort peerId, IPEndPoint peer, ControlChannel channel, DateTimeOffset now)
{
    public ushort Id { get; } = id;
    public ushort PeerId { get; } = peerId;
    public IPEndPoint Peer { get; } = peer;
    public ControlChannel Channel { get; } = channel;
    public TunnelState State { get; set; } = TunnelState.Idle;
    public Dictionary<ushort, L2tpSession> Sessions { get; } = [];
    public string? HostName { get; set; }

    /// <summary>When a control message last came from the peer or a HELLO went to it (§6.5).</summary>
    public DateTimeOffset LastActivity { get; set; } = now;

    /// <summary>When the state kept after a StopCCN is dropped (§5.7).</summary>
    public DateTimeOffset? RemoveAt { get; set; }

    public bool IsStopping => State is TunnelState.StopSent or TunnelState.StopReceived;
}

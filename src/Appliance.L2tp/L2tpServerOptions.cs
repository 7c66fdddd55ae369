namespace Appliance.L2tp;

/// <summary>Limits and timers of the L2TP network server (RFC 2661 §5.8, §6.5) and of the PPP inside it.</summary>
public sealed record L2tpServerOptions
{
    /// <summary>Host Name AVP of our SCCRP (§4.4.3).</summary>
    public string HostName { get; init; } = "appliance";

    /// <summary>Our Receive Window Size AVP: how many control messages we hold when they arrive early (§5.8).</summary>
    public int ReceiveWindow { get; init; } = 8;

    /// <summary>§5.8 recommends 1 s, doubling per retransmission up to a cap of at least 8 s.</summary>
    public TimeSpan RetransmitInitial { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetransmitCap { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>§5.8: after this many retransmissions of one message the peer is gone and the tunnel is cleaned up.</summary>
    public int MaxRetransmissions { get; init; } = 5;

    /// <summary>§6.5: a HELLO after this long without any control message from the peer.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>§5.7: after a StopCCN the tunnel's state is kept this long to acknowledge its retransmissions.</summary>
    public TimeSpan StopLinger { get; init; } = TimeSpan.FromSeconds(31);

    public int MaxTunnels { get; init; } = 64;
    public int MaxSessionsPerTunnel { get; init; } = 4;

    public Ppp.PppOptions Ppp { get; init; } = new();
}

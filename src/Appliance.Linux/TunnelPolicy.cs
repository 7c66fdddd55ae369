using System.Net;

namespace Appliance.Linux;

/// <summary>
/// One configured tunnel as the data plane sees it: which LAN sources and remote destinations it
/// protects, which prefixes bypass it, and whether a packet without an SA should trigger IKE.
/// </summary>
/// <param name="Name">The tunnel (connection) name; SAs are installed under it.</param>
/// <param name="LocalTs">Local traffic selectors (LAN subnets behind this box).</param>
/// <param name="RemoteTs">Remote traffic selectors: routed to a blackhole while the tunnel is configured.</param>
/// <param name="Bypass">Prefixes excluded from the tunnel (matched against source and destination); the kernel forwards them.</param>
/// <param name="Trap">Start: trap — a protected packet without an SA raises <see cref="DataPlane.TrapTriggered"/>.</param>
public sealed record TunnelPolicy(
    string Name,
    IReadOnlyList<IPNetwork> LocalTs,
    IReadOnlyList<IPNetwork> RemoteTs,
    IReadOnlyList<IPNetwork> Bypass,
    bool Trap)
{
    /// <summary>
    /// The peer's public addresses: when a remote selector covers them (a full tunnel), the kill
    /// switch throws them back to the main table so IKE and ESP to the peer are not blackholed.
    /// </summary>
    public IReadOnlyList<IPAddress> PeerAddresses { get; init; } = [];

    /// <summary>
    /// Remote access: the tunnel has one Child SA per client, each with selectors narrowed to the client's virtual IP, side by
    /// side; a packet goes out on the SA whose negotiated selectors cover it, and is dropped (no SA) when none does.
    /// <see cref="RemoteTs"/> is then the address pool(s).
    /// </summary>
    public bool PerClient { get; init; }

    /// <summary>
    /// A local service's clients (L2TP/IPsec): the tunnel's SAs are transport-mode SAs carrying UDP to
    /// <see cref="DataPlaneOptions.LocalServicePort"/> of a server in this process (<see cref="DataPlane.ServiceDatagramReceived"/>),
    /// and <see cref="RemoteTs"/> are the addresses the service hands its clients, whose packets it carries itself
    /// (<see cref="DataPlane.ServicePacketOut"/>, <see cref="DataPlane.InjectServicePacket"/>).
    /// </summary>
    public bool LocalService { get; init; }
}


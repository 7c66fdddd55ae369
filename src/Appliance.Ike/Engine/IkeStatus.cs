using System.Net;

namespace Appliance.Ike;

public enum IkeSaState
{
    /// <summary>IKE_SA_INIT sent (initiator) or answered (responder), IKE_AUTH not yet complete.</summary>
    Connecting,
    Established,
    /// <summary>Our DELETE is in flight.</summary>
    Deleting,
}

public sealed record ChildSaStatus(uint InboundSpi, uint OutboundSpi, string Suite, IReadOnlyList<TrafficSelector> LocalTs,
    IReadOnlyList<TrafficSelector> RemoteTs, DateTimeOffset EstablishedAt, bool UdpEncapsulation,
    long BytesIn = 0, long BytesOut = 0, long PacketsIn = 0, long PacketsOut = 0,
    Messages.ProtocolId Protocol = Messages.ProtocolId.Esp);

public sealed record IkeSaStatus(IkeSaState State, bool IsInitiator, ulong InitiatorSpi, ulong ResponderSpi, string? Suite,
    DateTimeOffset? EstablishedAt, IPEndPoint Local, IPEndPoint Remote, IkeIdentity? RemoteId, bool NatDetected);

public sealed record TunnelStatus(string Name, IkeSaStatus? IkeSa, IReadOnlyList<ChildSaStatus> ChildSas)
{
    /// <summary>A remote-access tunnel's connected clients (then <see cref="IkeSa"/> is null); empty for other tunnels.</summary>
    public IReadOnlyList<RemoteAccessClientStatus> Clients { get; init; } = [];
}

/// <summary>One connected remote-access client: who, from where, its virtual IPs, since when, and its Child SAs.</summary>
public sealed record RemoteAccessClientStatus(string User, IPEndPoint Remote, IReadOnlyList<IPAddress> VirtualIps, DateTimeOffset Since,
    IkeSaStatus IkeSa, IReadOnlyList<ChildSaStatus> ChildSas);

/// <summary>A point-in-time snapshot of every tunnel, for the status socket.</summary>
public sealed record IkeStatus(IReadOnlyList<TunnelStatus> Tunnels, IkeCountersSnapshot Counters)
{
    /// <summary>IKE SAs of every state, half-open ones included.</summary>
    public int IkeSas { get; init; }
    /// <summary>Responder IKE SAs between IKE_SA_INIT and a completed IKE_AUTH: what cookies and HalfOpenLimit bound.</summary>
    public int HalfOpenIkeSas { get; init; }
}

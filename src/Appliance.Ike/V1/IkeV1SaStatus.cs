using System.Net;

namespace Appliance.Ike.V1;

/// <summary>One ISAKMP SA as <see cref="IkeV1Responder.Status"/> shows it.</summary>
public sealed class IkeV1SaStatus
{
    public required IPEndPoint Remote { get; init; }
    public required IPEndPoint Local { get; init; }
    /// <summary>"main-mode" while Main Mode runs, then "established".</summary>
    public required string State { get; init; }
    public required ulong InitiatorCookie { get; init; }
    public required ulong ResponderCookie { get; init; }
    public bool NatDetected { get; init; }
    public DateTimeOffset? EstablishedAt { get; init; }
    /// <summary>The identity of the initiator's ID payload (IPv4 address, FQDN or user FQDN), once known.</summary>
    public string? RemoteId { get; init; }
    public string? Suite { get; init; }
    /// <summary>The NAT-OA original address the client sent in its last Quick Mode, if any.</summary>
    public IPAddress? NatOriginalAddress { get; init; }
    /// <summary>Inbound (ours) and outbound (the peer's) SPI of each ESP SA, pairwise.</summary>
    public required IReadOnlyList<uint> InboundSpis { get; init; }
    public required IReadOnlyList<uint> OutboundSpis { get; init; }
}

using System.Net;
using Appliance.Ike.Messages;

namespace Appliance.Ike;

/// <summary>Something the host should know about; dequeued with <see cref="IkeEngine.TryDequeueEvent"/>.</summary>
public abstract record IkeEvent(string TunnelName);

/// <summary>
/// IKE SA keys for a Wireshark ikev2_decryption_table line. Only for a debugging key log that the host
/// enables explicitly: never log these.
/// </summary>
public sealed record IkeSaKeyInfo(ulong InitiatorSpi, ulong ResponderSpi, byte[] SkEi, byte[] SkEr, byte[] SkAi, byte[] SkAr,
    ushort EncryptionTransformId, int EncryptionKeyBits, ushort IntegrityTransformId)
{
    private bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append($"InitiatorSpi = {InitiatorSpi:x16}, ResponderSpi = {ResponderSpi:x16}, keys = <hidden>");
        return true;
    }
}

public sealed record IkeSaEstablished(string TunnelName, ulong InitiatorSpi, ulong ResponderSpi, bool IsInitiator,
    string Suite, IPEndPoint Local, IPEndPoint Remote, IkeIdentity RemoteId, bool NatDetected, IkeSaKeyInfo Keys) : IkeEvent(TunnelName);

/// <param name="Replaced">True when another IKE SA carries the tunnel on (rekey, duplicate after simultaneous
/// initiation): not a tunnel outage.</param>
public sealed record IkeSaDeleted(string TunnelName, ulong InitiatorSpi, ulong ResponderSpi, string Reason, bool Replaced = false) : IkeEvent(TunnelName);

/// <param name="RekeyOfInboundSpi">When the peer rekeyed a Child SA (RFC 7296 §1.3.3): the inbound SPI of the SA this
/// one replaces. Both stay installed until the peer deletes the old one (a ChildSaDeleted follows).</param>
public sealed record ChildSaEstablished(string TunnelName, ChildSaInfo Child, uint? RekeyOfInboundSpi = null) : IkeEvent(TunnelName)
{
    /// <summary>
    /// We made this SA answering the peer's rekey: the peer installs it only when our response arrives, so the data path
    /// should keep sending on the old SA until the peer uses the new one or deletes the old one.
    /// </summary>
    public bool AnsweredPeerRekey { get; init; }

    /// <summary>
    /// Our rekey collided with the peer's and this SA is the redundant one (§2.8.1): we delete it next. Receive on it
    /// (the peer may already have sent something) but never send on it; the peer's SA carries the traffic.
    /// </summary>
    public bool Redundant { get; init; }
}

/// <param name="Replaced">True when a newer Child SA (rekey) takes over the traffic: not a tunnel outage.</param>
public sealed record ChildSaDeleted(string TunnelName, uint InboundSpi, uint OutboundSpi, string Reason, bool Replaced = false) : IkeEvent(TunnelName);

/// <summary>
/// The peer's address or port changed (NAT rebinding, or the float to 4500 after the Child SAs were made):
/// UDP-encapsulated ESP of the listed Child SAs must now go to <paramref name="Remote"/> from <paramref name="Local"/>.
/// </summary>
public sealed record PeerEndpointChanged(string TunnelName, IPEndPoint Local, IPEndPoint Remote, IReadOnlyList<uint> InboundSpis) : IkeEvent(TunnelName);

/// <summary>What a CFG_REPLY gave: the client's virtual addresses and DNS settings (RFC 7296 §3.15, RFC 8598).</summary>
public sealed record VirtualAddressAssignment(IReadOnlyList<IPAddress> Addresses, IReadOnlyList<IPAddress> Dns, IReadOnlyList<string> DnsDomains);

/// <summary>Responder: a remote-access client authenticated (EAP) and got its virtual addresses.</summary>
public sealed record RemoteAccessClientConnected(string TunnelName, string User, IPEndPoint Remote, IReadOnlyList<IPAddress> VirtualIps)
    : IkeEvent(TunnelName);

/// <summary>Responder: a remote-access client's IKE SA is gone (delete, DPD, expiry); its addresses are back in the pool.</summary>
public sealed record RemoteAccessClientDisconnected(string TunnelName, string User, IReadOnlyList<IPAddress> VirtualIps, string Reason)
    : IkeEvent(TunnelName);

/// <summary>Initiator: the responder assigned us virtual addresses and DNS settings (CFG_REPLY).</summary>
public sealed record VirtualAddressesAssigned(string TunnelName, VirtualAddressAssignment Assignment) : IkeEvent(TunnelName)
{
    /// <summary>Why the peer gave nothing, when it did not answer the request (the assignment is then empty).</summary>
    public string? Missing { get; init; }
}

/// <summary>Our AUTH was refused by the peer, or the peer's AUTH/identity did not verify.</summary>
public sealed record AuthenticationFailed(string TunnelName, string Detail) : IkeEvent(TunnelName);

/// <summary>No common IKE or ESP proposal (sent or received NO_PROPOSAL_CHOSEN).</summary>
public sealed record NoProposalChosen(string TunnelName, string Detail) : IkeEvent(TunnelName);

/// <summary>Traffic selectors did not overlap (sent or received TS_UNACCEPTABLE).</summary>
public sealed record TrafficSelectorsUnacceptable(string TunnelName, string Detail) : IkeEvent(TunnelName);

/// <summary>Retransmissions exhausted: the peer did not answer.</summary>
public sealed record PeerUnreachable(string TunnelName, string Detail) : IkeEvent(TunnelName)
{
    /// <summary>The peer endpoint that did not answer.</summary>
    public IPEndPoint? Remote { get; init; }
}

/// <summary>Any other failure of an exchange (error notify from the peer, invalid syntax, ...).</summary>
public sealed record IkeSaFailed(string TunnelName, string Detail) : IkeEvent(TunnelName);

/// <summary>Keys of one direction of a Child SA, already split (RFC 4106 §8.1 / RFC 7634 §3: salt = last 4 bytes).</summary>
public sealed record ChildSaKeys(byte[] EncryptionKey, byte[] Salt, byte[] IntegrityKey)
{
    private bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append($"EncryptionKey = <{EncryptionKey.Length} bytes>, Salt = <{Salt.Length} bytes>, IntegrityKey = <{IntegrityKey.Length} bytes>");
        return true;
    }
}

/// <summary>
/// Everything the data path needs to install a Child SA. Transform IDs are IANA IKEv2 numbers:
/// encryption 12 = AES-CBC, 20 = AES-GCM-16, 28 = ChaCha20-Poly1305; integrity 0 = none (AEAD),
/// 12 = HMAC-SHA2-256-128, 13 = HMAC-SHA2-384-192, 14 = HMAC-SHA2-512-256.
/// </summary>
public sealed record ChildSaInfo(
    string TunnelName,
    uint InboundSpi,
    uint OutboundSpi,
    IpsecMode Mode,
    ProtocolId Protocol,
    string Suite,
    ushort EncryptionTransformId,
    int EncryptionKeyBits,
    ushort IntegrityTransformId,
    ChildSaKeys Inbound,
    ChildSaKeys Outbound,
    bool Esn,
    IReadOnlyList<TrafficSelector> LocalTs,
    IReadOnlyList<TrafficSelector> RemoteTs,
    bool UdpEncapsulation,
    IPEndPoint LocalEndpoint,
    IPEndPoint RemoteEndpoint);

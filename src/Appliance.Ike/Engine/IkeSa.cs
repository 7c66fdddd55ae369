using System.Net;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike;

/// <summary>A request we sent and await the response to (window size 1, RFC 7296 §2.3).</summary>
internal sealed class PendingRequest(uint messageId, ExchangeType exchange, RequestKind kind, IReadOnlyList<byte[]> datagrams,
    DateTimeOffset firstTimeout)
{
    public uint MessageId { get; } = messageId;
    public ExchangeType Exchange { get; } = exchange;
    public RequestKind Kind { get; } = kind;
    /// <summary>The request as sent: one message, or all its SKF fragments (the unit a retransmission resends, RFC 7383 §2.6.1).</summary>
    public IReadOnlyList<byte[]> Datagrams { get; } = datagrams;
    public int Retransmits { get; set; }
    public DateTimeOffset NextTimeout { get; set; } = firstTimeout;
    /// <summary>For <see cref="RequestKind.RekeyChildSa"/>: what we proposed.</summary>
    public ChildRekey? Rekey { get; set; }
    /// <summary>For <see cref="RequestKind.RekeyIkeSa"/>: what we proposed.</summary>
    public IkeRekey? IkeRekey { get; set; }
    /// <summary>For <see cref="RequestKind.DeleteChildSa"/>: the Child SAs our DELETE names.</summary>
    public IReadOnlyList<ChildSa> Deleting { get; set; } = [];
}

internal enum RequestKind { IkeSaInit, IkeAuth, DeleteIkeSa, DeleteChildSa, Liveness, Notify, RekeyChildSa, RekeyIkeSa }

/// <summary>Our CREATE_CHILD_SA rekey request in flight (RFC 7296 §1.3.3).</summary>
internal sealed class ChildRekey(ChildSa old, uint newSpi, byte[] nonce, KeyExchange? keyExchange, List<ProposalSpec> offered)
{
    public ChildSa Old { get; } = old;
    public uint NewSpi { get; } = newSpi;
    public byte[] Nonce { get; } = nonce;
    public KeyExchange? KeyExchange { get; } = keyExchange;
    public List<ProposalSpec> Offered { get; } = offered;
}

/// <summary>Our CREATE_CHILD_SA IKE SA rekey request in flight (RFC 7296 §1.3.2).</summary>
internal sealed class IkeRekey(ulong newInitiatorSpi, byte[] nonce, KeyExchange keyExchange, List<ProposalSpec> offered)
{
    public ulong NewInitiatorSpi { get; } = newInitiatorSpi;
    public byte[] Nonce { get; } = nonce;
    public KeyExchange KeyExchange { get; } = keyExchange;
    public List<ProposalSpec> Offered { get; } = offered;
}

/// <summary>An established Child SA.</summary>
internal sealed class ChildSa(ChildSaInfo info, DateTimeOffset establishedAt, byte[] nonceI, byte[] nonceR)
{
    public ChildSaInfo Info { get; set; } = info;
    public DateTimeOffset EstablishedAt { get; } = establishedAt;
    /// <summary>The nonces of the exchange that created it, to settle rekey collisions (§2.8.1).</summary>
    public byte[] NonceI { get; } = nonceI;
    public byte[] NonceR { get; } = nonceR;
    /// <summary>When we start rekeying it ourselves; null: never.</summary>
    public DateTimeOffset? RekeyAt { get; set; }
    /// <summary>Hard lifetime: when it is deleted if no rekey replaced it; null: never.</summary>
    public DateTimeOffset? ExpireAt { get; set; }
    /// <summary>Its hard lifetime ran out: the host was told it is gone; the DELETE may still be waiting to go out.</summary>
    public bool Expired { get; set; }
    /// <summary>Our rekey of this SA is in flight.</summary>
    public bool Rekeying { get; set; }
    /// <summary>Replaced or being deleted: no more rekeys, a DELETE is coming.</summary>
    public bool Retiring { get; set; }
    /// <summary>A newer Child SA took over its traffic (rekey).</summary>
    public bool Replaced { get; set; }
    /// <summary>The SA the peer made when it rekeyed this one while we did too (a collision).</summary>
    public ChildSa? PeerReplacement { get; set; }

    /// <summary>§2.8.1: of two colliding rekeys, the one whose exchange had the lowest nonce is redundant.</summary>
    public byte[] LowestNonce => NonceI.AsSpan().SequenceCompareTo(NonceR) <= 0 ? NonceI : NonceR;
}

/// <summary>State of one IKE SA; the exchanges in IkeEngine.*.cs read and advance it.</summary>
internal sealed class IkeSa : IDisposable
{
    public IkeSa(bool isInitiator, ulong spiI, IPEndPoint local, IPEndPoint remote, DateTimeOffset now)
    {
        IsInitiator = isInitiator;
        InitiatorSpi = spiI;
        Local = local;
        Remote = remote;
        CreatedAt = now;
    }

    public bool IsInitiator { get; }
    public ulong InitiatorSpi { get; }
    public ulong ResponderSpi { get; set; }
    public ulong LocalSpi => IsInitiator ? InitiatorSpi : ResponderSpi;
    public IkeSaState State { get; set; } = IkeSaState.Connecting;
    /// <summary>When we start rekeying this IKE SA ourselves; null: never.</summary>
    public DateTimeOffset? RekeyAt { get; set; }
    /// <summary>Hard lifetime: when it is deleted if no rekey replaced it; null: never.</summary>
    public DateTimeOffset? ExpireAt { get; set; }
    /// <summary>Child SAs whose hard lifetime ran out and whose DELETE waits for the request window to be free.</summary>
    public List<ChildSa> ExpiredChildren { get; } = [];
    /// <summary>A successor IKE SA carries the tunnel (rekey or duplicate): deleting this one is no outage.</summary>
    public bool Replaced { get; set; }
    /// <summary>Our IKE SA rekey is in flight on this SA.</summary>
    public bool Rekeying { get; set; }
    /// <summary>The IKE SA the peer made when it rekeyed this one while we did too (§2.8.2).</summary>
    public IkeSa? PeerReplacement { get; set; }
    /// <summary>§2.8.2: of two colliding rekeys, the new IKE SA made with the lowest nonce is redundant.</summary>
    public byte[] LowestNonce => NonceI.AsSpan().SequenceCompareTo(NonceR) <= 0 ? NonceI : NonceR;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset? EstablishedAt { get; set; }
    /// <summary>When the peer last proved it is alive (an authenticated request or response), for DPD.</summary>
    public DateTimeOffset LastInbound { get; set; }
    public IPEndPoint Local { get; set; }
    public IPEndPoint Remote { get; set; }

    /// <summary>The tunnel: fixed for an initiator; for a responder, chosen at IKE_AUTH from <see cref="Candidates"/>.</summary>
    public IkeTunnelConfig? Config { get; set; }
    public List<IkeTunnelConfig> Candidates { get; } = [];
    public string TunnelName => Config?.Name ?? Candidates.FirstOrDefault()?.Name ?? "(unknown)";

    // IKE_SA_INIT
    public List<ProposalSpec> OfferedIke { get; set; } = [];
    public KeyExchange? KeyExchange { get; set; }
    public byte[] NonceI { get; set; } = [];
    public byte[] NonceR { get; set; } = [];
    public byte[]? Cookie { get; set; }
    public byte[] InitRequest { get; set; } = [];
    public byte[] InitResponse { get; set; } = [];
    public int InvalidKeRetries { get; set; }
    /// <summary>The peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4); empty: it did not send one.</summary>
    public IReadOnlyList<Exchanges.SignatureHash> PeerSignatureHashes { get; set; } = [];
    public bool LocalBehindNat { get; set; }
    public bool RemoteBehindNat { get; set; }
    public bool NatDetected => LocalBehindNat || RemoteBehindNat;
    /// <summary>Both sides sent IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (RFC 7383 §2.3); a rekeyed IKE SA inherits it.</summary>
    public bool Fragmentation { get; set; }
    /// <summary>Verified fragments of the peer's current request / of the response to our request (RFC 7383 §2.6).</summary>
    public FragmentReassembly? RequestFragments { get; set; }
    public FragmentReassembly? ResponseFragments { get; set; }

    // Negotiated IKE SA
    public TransformSet? Suite { get; set; }
    public string SuiteName { get; set; } = "";
    public Prf? Prf { get; set; }
    public IkeSaKeys? Keys { get; set; }
    /// <summary>Protects what we send (SK_ei/SK_ai for the initiator, SK_er/SK_ar for the responder).</summary>
    public SkProtection? Outbound { get; set; }
    public SkProtection? Inbound { get; set; }
    public ulong NextIv { get; set; }
    public IkeIdentity? RemoteId { get; set; }

    // Child SA being set up in IKE_AUTH (initiator side)
    public uint PendingChildSpi { get; set; }
    /// <summary>The ESP or AH proposals we offered (the tunnel's <see cref="IkeTunnelConfig.ChildProtocol"/>).</summary>
    public List<ProposalSpec> OfferedChild { get; set; } = [];
    public List<TrafficSelector> ProposedTsi { get; set; } = [];
    public List<TrafficSelector> ProposedTsr { get; set; } = [];
    public List<ChildSa> Children { get; } = [];

    // Message IDs (RFC 7296 §2.2): our requests, and the peer's requests with the cached response.
    public uint NextRequestId { get; set; }
    public PendingRequest? Outstanding { get; set; }
    public bool DeleteQueued { get; set; }
    public uint NextPeerRequestId { get; set; }
    public uint? CachedResponseId { get; set; }
    /// <summary>Our last response as sent (all its fragments, if it was fragmented).</summary>
    public IReadOnlyList<byte[]>? CachedResponse { get; set; }

    // EAP in IKE_AUTH (RFC 7296 §2.16), responder or initiator side
    public Eap.EapMsChapV2Server? EapServer { get; set; }
    public Eap.EapMsChapV2Client? EapClient { get; set; }
    /// <summary>IDi and IDr as sent in the first IKE_AUTH round trip: the MSK-based AUTH payloads cover them.</summary>
    public IdPayload? EapIdi { get; set; }
    public IdPayload? EapIdr { get; set; }
    /// <summary>Responder: the first IKE_AUTH request (SAi2, TSi, TSr, CP), answered once EAP and AUTH are done.</summary>
    public List<IkePayload>? EapFirstRequest { get; set; }
    /// <summary>The EAP MSK once EAP succeeded: the shared key of the final AUTH payloads.</summary>
    public byte[]? Msk { get; set; }
    /// <summary>The remote-access client this IKE SA serves (user, virtual IPs); moves to the successor on an IKE rekey.</summary>
    public RemoteAccessLease? Lease { get; set; }
    /// <summary>Initiator: what the responder's CFG_REPLY assigned to us.</summary>
    public VirtualAddressAssignment? Assigned { get; set; }

    public void Dispose()
    {
        EapServer?.Dispose();
        EapClient?.Dispose();
        EapServer = null;
        EapClient = null;
        if (Msk is not null) CryptographicOperations.ZeroMemory(Msk);
        Msk = null;
        Outstanding?.Rekey?.KeyExchange?.Dispose();
        Outstanding?.IkeRekey?.KeyExchange.Dispose();
        KeyExchange?.Dispose();
        KeyExchange = null;
        Outbound?.Dispose();
        Inbound?.Dispose();
        Outbound = Inbound = null;
        RequestFragments?.Dispose();
        ResponseFragments?.Dispose();
        RequestFragments = ResponseFragments = null;
        if (Keys is { } k)
        {
            foreach (byte[] key in new[] { k.SkD, k.SkAi, k.SkAr, k.SkEi, k.SkEr, k.SkPi, k.SkPr })
                CryptographicOperations.ZeroMemory(key);
        }
        Keys = null;
    }
}

/// <summary>A remote-access client's hold on its virtual addresses (RFC 7296 §3.15.4), given back when its IKE SA goes.</summary>
internal sealed class RemoteAccessLease(string user, DateTimeOffset since)
{
    public string User { get; } = user;
    public DateTimeOffset Since { get; } = since;
    public List<(Exchanges.VirtualIpPool Pool, IPAddress Address)> Addresses { get; } = [];
    public IEnumerable<IPAddress> VirtualIps => Addresses.Select(a => a.Address);

    /// <summary>The client's TSi: its virtual addresses as host selectors.</summary>
    public List<TrafficSelector> Selectors => Addresses.Select(a => new TrafficSelector(a.Address, a.Address)).ToList();

    public void Release()
    {
        foreach ((Exchanges.VirtualIpPool pool, IPAddress address) in Addresses)
            pool.Release(address);
        Addresses.Clear();
    }
}

using System.Net;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.V1;

internal enum IsakmpState
{
    /// <summary>MM2 sent, waiting for MM3.</summary>
    Mm2Sent,
    /// <summary>MM4 sent, waiting for MM5.</summary>
    Mm4Sent,
    Established,
}

/// <summary>One ISAKMP SA on the responder side, found by its cookies (the endpoint may change with the float to 4500).</summary>
internal sealed class IsakmpSa
{
    public required byte[] CkyI;
    public required byte[] CkyR;
    public ulong InitiatorCookie;
    public ulong ResponderCookie;
    public required IPEndPoint Local;
    public required IPEndPoint Remote;
    public IsakmpState State;
    public DateTimeOffset CreatedAt;
    public DateTimeOffset? EstablishedAt;
    public DateTimeOffset ExpiresAt;
    public DateTimeOffset LastHeard;

    public required Phase1Choice Choice;
    /// <summary>SAi_b: the body of the initiator's SA payload (RFC 2409 §5).</summary>
    public required byte[] SaiBody;
    public bool PeerDpd;
    public NatTVariant NatT;
    /// <summary>We (the responder) are behind a NAT: the peer's first NAT-D did not hash our address.</summary>
    public bool NatLocal;
    /// <summary>The peer is behind a NAT: none of its NAT-D hashed the address we see it at.</summary>
    public bool NatRemote;
    public bool NatDetected => NatLocal || NatRemote;

    public KeyExchange? Dh;
    public byte[] Gxi = [];
    public byte[] Gxr = [];
    public byte[] Ni = [];
    public byte[] Nr = [];
    public Phase1Keys? Keys;
    /// <summary>The phase 1 CBC chain: IV for the next phase 1 message; after MM6 the last block of phase 1.</summary>
    public byte[] Iv = [];
    public IkeIdentity? RemoteId;
    public IPAddress? NatOriginalAddress;

    /// <summary>The last Main Mode request and our reply to it, re-sent when the same request comes again.</summary>
    public byte[] LastRequest = [];
    public byte[] LastReply = [];

    public readonly List<QuickModeExchange> QuickModes = [];
    public readonly List<EspSa> EspSas = [];
    /// <summary>Message IDs of Informational exchanges seen (a bounded replay window).</summary>
    public readonly List<uint> SeenInformationalIds = [];

    public uint DpdSequence;
    public int DpdOutstanding;
    public DateTimeOffset NextDpd;

    public string Suite => Choice.Suite;
}

/// <summary>One Quick Mode in flight or done (kept to answer a retransmitted QM1 with the same QM2).</summary>
internal sealed class QuickModeExchange
{
    public uint MessageId;
    public required byte[] Iv;
    public required byte[] Request;
    public required byte[] Reply;
    public required byte[] Ni;
    public required byte[] Nr;
    public required Phase2Choice Choice;
    public uint OurSpi;
    public byte[]? GxyQm;
    public bool Completed;
    public DateTimeOffset StartedAt;
    public required ChildSaInfo Info;
    public TimeSpan Lifetime;
}

/// <summary>An installed transport-mode ESP SA (after HASH(3)).</summary>
internal sealed class EspSa
{
    public uint InboundSpi;
    public uint OutboundSpi;
    public DateTimeOffset ExpiresAt;
}

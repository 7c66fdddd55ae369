using System.Collections.Concurrent;
using Appliance.Linux.Sa;

namespace Appliance.Linux;

/// <summary>Why the data plane dropped a packet; each is counted (see <see cref="DataPlaneCounters"/>).</summary>
public enum DataPlaneDropReason
{
    None = 0,
    /// <summary>ESP with an SPI no installed SA has (RFC 4303 §3.4.2).</summary>
    UnknownSpi,
    /// <summary>Shorter than the headers, IV, trailer and ICV, or not block aligned.</summary>
    Truncated,
    /// <summary>ICV check failed (RFC 4303 §3.4.4).</summary>
    AuthenticationFailed,
    /// <summary>Sequence number already seen inside the replay window.</summary>
    Replay,
    /// <summary>Sequence number zero or left of the replay window.</summary>
    TooOld,
    /// <summary>Padding bytes not 1, 2, 3, ... or the pad length exceeds the payload.</summary>
    BadPadding,
    /// <summary>Next Header not IPv4/IPv6 in tunnel mode, or the inner version disagrees with it.</summary>
    BadNextHeader,
    /// <summary>Next Header 59 (TFC dummy packet), discarded by design.</summary>
    DummyPacket,
    /// <summary>The 32-bit sequence number would wrap: the SA must be rekeyed.</summary>
    SequenceNumberExhausted,
    /// <summary>The SA's hard byte/packet lifetime is reached: it must be rekeyed or deleted.</summary>
    LifetimeExpired,
    /// <summary>A protected packet arrived before any SA existed for its tunnel.</summary>
    NoSa,
    /// <summary>The SPD said DISCARD (remote destination from a source outside every local selector).</summary>
    PolicyDiscard,
    /// <summary>A decrypted packet's addresses are outside the SA's traffic selectors (RFC 4301 §5.2 step 4).</summary>
    SelectorMismatch,
    /// <summary>Too big for the tunnel with DF set (or IPv6): ICMP packet-too-big was sent to the LAN host.</summary>
    TooBig,
    /// <summary>Not a well-formed IP packet.</summary>
    Malformed,
    /// <summary>A GSO super-packet of a kind the segmenter does not handle (UDP GSO).</summary>
    UnsupportedOffload,
    /// <summary>The kernel or the host's UDP callback refused the packet.</summary>
    SendFailed,
    /// <summary>The buffer lacked headroom or tailroom for the transform.</summary>
    NoBufferSpace,
    /// <summary>
    /// Raw ESP taken off the WAN before the kernel's IP receive path whose IPv4 header fails ip_rcv's checks
    /// (version, header length, total length against the frame, header checksum) or is not ours unfragmented.
    /// </summary>
    BadOuterHeader,
}

/// <summary>Traffic through one SA pair, bumped with Interlocked so any thread may read it.</summary>
public sealed class SaCounters
{
    private long _packetsIn, _bytesIn, _packetsOut, _bytesOut;

    public long PacketsIn => Interlocked.Read(ref _packetsIn);
    public long BytesIn => Interlocked.Read(ref _bytesIn);
    public long PacketsOut => Interlocked.Read(ref _packetsOut);
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    internal void CountIn(int bytes) { Interlocked.Increment(ref _packetsIn); Interlocked.Add(ref _bytesIn, bytes); }
    internal void CountOut(int bytes) { Interlocked.Increment(ref _packetsOut); Interlocked.Add(ref _bytesOut, bytes); }
}

/// <summary>Snapshot-able counters for `appliance status`: per SA (by inbound SPI) and per drop reason.</summary>
public sealed class DataPlaneCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DataPlaneDropReason>().Length];
    private readonly ConcurrentDictionary<(string Tunnel, uint InboundSpi, uint OutboundSpi), SaCounters> _sas = new();
    private long _icmpRateLimited;
    private long _trapTriggers, _icmpSent, _mssClamped, _bypassed, _coalesced, _gsoSent, _groReceived, _framesSent, _framesReceived;

    public long Drops(DataPlaneDropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    /// <summary>Every non-zero drop counter.</summary>
    public IReadOnlyDictionary<DataPlaneDropReason, long> DropsByReason =>
        Enum.GetValues<DataPlaneDropReason>().Where(r => r != DataPlaneDropReason.None && Drops(r) != 0).ToDictionary(r => r, Drops);

    /// <summary>Traffic per installed SA pair (removed SAs disappear).</summary>
    public IReadOnlyDictionary<(string Tunnel, uint InboundSpi, uint OutboundSpi), SaCounters> Sas => _sas;

    public long TrapTriggers => Interlocked.Read(ref _trapTriggers);
    public long IcmpTooBigSent => Interlocked.Read(ref _icmpSent);
    /// <summary>Packet-too-big errors not sent because the ICMP rate limit was reached.</summary>
    public long IcmpRateLimited => Interlocked.Read(ref _icmpRateLimited);
    public long MssClamped => Interlocked.Read(ref _mssClamped);
    public long Bypassed => Interlocked.Read(ref _bypassed);

    /// <summary>Decrypted TCP segments delivered inside a GSO super-packet rather than on their own.</summary>
    public long SegmentsCoalesced => Interlocked.Read(ref _coalesced);

    /// <summary>ESP-in-UDP packets sent inside a multi-segment UDP GSO datagram (one sendmsg, one skb for the train).</summary>
    public long UdpGsoSegmentsSent => Interlocked.Read(ref _gsoSent);

    /// <summary>ESP-in-UDP packets that arrived inside a UDP GRO train (one receive for the train).</summary>
    public long UdpGroSegmentsReceived => Interlocked.Read(ref _groReceived);

    /// <summary>Raw ESP packets sent as whole Ethernet frames on the WAN AF_PACKET socket (the rest took the raw IP socket).</summary>
    public long WanFramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Raw ESP packets received on the WAN AF_PACKET socket (tc kept them from the kernel's IP receive path).</summary>
    public long WanFramesReceived => Interlocked.Read(ref _framesReceived);

    internal void FramesReceived(int packets) { if (packets != 0) Interlocked.Add(ref _framesReceived, packets); }
    internal void FramesSent(int packets) { if (packets != 0) Interlocked.Add(ref _framesSent, packets); }
    internal void GsoSent(int segments) { if (segments != 0) Interlocked.Add(ref _gsoSent, segments); }
    internal void GroReceived(int segments) { if (segments != 0) Interlocked.Add(ref _groReceived, segments); }
    internal void Drop(DataPlaneDropReason reason) { if (reason != DataPlaneDropReason.None) Interlocked.Increment(ref _drops[(int)reason]); }
    internal void Trap() => Interlocked.Increment(ref _trapTriggers);
    internal void IcmpSent() => Interlocked.Increment(ref _icmpSent);
    internal void IcmpLimited() => Interlocked.Increment(ref _icmpRateLimited);
    internal void Clamped() => Interlocked.Increment(ref _mssClamped);
    internal void Bypass() => Interlocked.Increment(ref _bypassed);
    internal void Coalesced(long segments) { if (segments != 0) Interlocked.Add(ref _coalesced, segments); }
    internal void Register(SaInstall sa, SaCounters counters) => _sas[(sa.Tunnel, sa.InboundSpi, sa.OutboundSpi)] = counters;
    internal void Unregister(SaInstall sa) => _sas.TryRemove((sa.Tunnel, sa.InboundSpi, sa.OutboundSpi), out _);
}

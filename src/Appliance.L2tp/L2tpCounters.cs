namespace Appliance.L2tp;

/// <summary>What the L2TP server and the PPP inside it counted, for the status and the logs.</summary>
public enum L2tpCounter
{
    DatagramsReceived, DatagramsSent,
    /// <summary>Inputs that failed a bounds or format check of RFC 2661 §3.1/§4.1 and were dropped.</summary>
    Malformed,
    /// <summary>L2TP versions other than 2 (L2F, L2TPv3).</summary>
    WrongVersion,
    UnknownTunnel, UnknownSession, WrongPeer,
    DuplicateControl, EarlyControlHeld, ControlOutsideWindow, Retransmissions, TunnelsGivenUp,
    UnknownMandatoryAvp, IgnoredControlMessages, RefusedTunnels, RefusedSessions,
    DataOutOfOrder,
    PppMalformed, PppProtocolRejects, PppCodeRejects, AuthFailures, AuthSuccesses, LockedOutAttempts, AddressPoolExhausted,
    IpPacketsIn, IpPacketsOut, SpoofedSource, OversizedIpPackets,
    /// <summary>An exception the engine caught as defence in depth: a bug, never an expected path.</summary>
    InternalError,
}

/// <summary>The counters by name; the engine is single-threaded, readers take a snapshot.</summary>
public sealed class L2tpCounters
{
    private readonly long[] _values = new long[Enum.GetValues<L2tpCounter>().Length];

    public void Increment(L2tpCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    public long this[L2tpCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    public IReadOnlyDictionary<L2tpCounter, long> Snapshot() => Enum.GetValues<L2tpCounter>().ToDictionary(c => c, c => this[c]);
}

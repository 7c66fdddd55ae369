namespace Appliance.Ike;

/// <summary>Why a datagram was dropped or an exchange failed; one counter each.</summary>
public enum IkeCounter
{
    DatagramsReceived,
    DatagramsSent,
    /// <summary>Bounds, lengths or field rules violated (RFC 7296 §3).</summary>
    Malformed,
    InvalidMajorVersion,
    UnsupportedCriticalPayload,
    /// <summary>No IKE SA with that SPI.</summary>
    UnknownSpi,
    /// <summary>Message ID outside the window, or a response to no request.</summary>
    InvalidMessageId,
    /// <summary>SK payload ICV or padding did not verify.</summary>
    IntegrityCheckFailed,
    AuthenticationFailed,
    NoProposalChosen,
    TsUnacceptable,
    InvalidKePayload,
    InvalidSyntax,
    /// <summary>
    /// An Encrypted Fragment (RFC 7383) dropped before or after its ICV: fragmentation not negotiated on the IKE SA,
    /// in IKE_SA_INIT, over the limits, a smaller total than the set in reassembly, or a duplicate.
    /// </summary>
    FragmentDropped,
    /// <summary>Exchange not allowed in the IKE SA's state.</summary>
    UnexpectedExchange,
    CookiesSent,
    CookiesRejected,
    /// <summary>IKE_SA_INIT requests longer than <see cref="IkeEngineOptions.MaxInitRequestSize"/>, dropped.</summary>
    Oversized,
    /// <summary>IKE_SA_INIT requests dropped because <see cref="IkeEngineOptions.HalfOpenLimit"/> half-open IKE SAs exist.</summary>
    HalfOpenLimitReached,
    /// <summary>IKE_SA_INIT requests dropped because their source already holds <see cref="IkeEngineOptions.HalfOpenPerSource"/> half-open IKE SAs.</summary>
    HalfOpenPerSourceReached,
    RetransmitsSent,
    /// <summary>Retransmitted requests answered from the response cache.</summary>
    CachedResponsesSent,
    PeerUnreachable,
    HalfOpenExpired,
    /// <summary>Encrypted Fragment payloads we sent (each retransmission of a fragmented message counts again).</summary>
    FragmentsSent,
    /// <summary>Encrypted Fragment payloads whose ICV verified and that were kept for reassembly.</summary>
    FragmentsReceived,
    /// <summary>Fragmented messages put back together and processed.</summary>
    MessagesReassembled,
    /// <summary>An unexpected exception while handling a message (a bug, never bad input alone): dropped, logged.</summary>
    InternalError,
}

/// <summary>Counters by <see cref="IkeCounter"/>; safe to read from any thread.</summary>
public sealed class IkeCounters
{
    private readonly long[] _values = new long[Enum.GetValues<IkeCounter>().Length];

    public long this[IkeCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    internal void Increment(IkeCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    public IkeCountersSnapshot Snapshot()
    {
        var d = new Dictionary<IkeCounter, long>();
        foreach (IkeCounter c in Enum.GetValues<IkeCounter>())
            d[c] = this[c];
        return new IkeCountersSnapshot(d);
    }
}

public sealed record IkeCountersSnapshot(IReadOnlyDictionary<IkeCounter, long> Values)
{
    public long this[IkeCounter counter] => Values.TryGetValue(counter, out long v) ? v : 0;
}

namespace Appliance.Lan.Dns;

/// <summary>What the forwarder did, for the status.</summary>
public sealed class DnsCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DnsDrop>().Length];
    private long _queries, _cacheHits, _forwarded, _servFail, _upstreamFailures, _tunnelDown, _truncated;

    public long Queries => Interlocked.Read(ref _queries);
    public long CacheHits => Interlocked.Read(ref _cacheHits);
    public long Forwarded => Interlocked.Read(ref _forwarded);
    public long ServFail => Interlocked.Read(ref _servFail);
    public long UpstreamFailures => Interlocked.Read(ref _upstreamFailures);
    /// <summary>Queries for HQ's resolvers answered SERVFAIL because no tunnel was up (never sent in clear).</summary>
    public long TunnelDown => Interlocked.Read(ref _tunnelDown);
    /// <summary>Answers too large for the client's UDP size, sent with TC so it retries over TCP.</summary>
    public long Truncated => Interlocked.Read(ref _truncated);
    public long Dropped(DnsDrop reason) => Interlocked.Read(ref _drops[(int)reason]);

    internal void CountQuery() => Interlocked.Increment(ref _queries);
    internal void CountCacheHit() => Interlocked.Increment(ref _cacheHits);
    internal void CountForwarded() => Interlocked.Increment(ref _forwarded);
    internal void CountServFail() => Interlocked.Increment(ref _servFail);
    internal void CountUpstreamFailure() => Interlocked.Increment(ref _upstreamFailures);
    internal void CountTunnelDown() => Interlocked.Increment(ref _tunnelDown);
    internal void CountTruncated() => Interlocked.Increment(ref _truncated);
    internal void CountDrop(DnsDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);
}

using System.Net;

namespace Appliance.Lan.Dns;

/// <summary>
/// Answers a LAN client's query: from the cache, else from the first upstream of the query's route that gives a valid
/// answer to the same question, else SERVFAIL. A route through HQ with no tunnel up is SERVFAIL at once, so no query
/// meant for the tunnel ever leaves in clear.
/// </summary>
public sealed class DnsForwarder(DnsRoutes routes, DnsCache cache, IDnsTransport transport, IDnsUpstreamSource sources)
{
    public DnsCounters Counters { get; } = new();
    public DnsCache Cache => cache;
    public DnsRoutes Routes => routes;

    /// <summary>Told the addresses of answers for the names it wants (excluded domains) before they are returned.</summary>
    public IDnsAnswerObserver? Observer { get; set; }

    /// <summary>The reply bytes, or null when the query is malformed and dropped (counted).</summary>
    public async Task<byte[]?> AnswerAsync(byte[] query, int maxReplySize, CancellationToken cancel)
    {
        Counters.CountQuery();
        if (!DnsQuery.TryParse(query, out var q, out var drop))
        {
            Counters.CountDrop(drop);
            return null;
        }
        var key = new DnsCache.Key(q.Name, q.Type, q.Class);
        byte[]? reply = cache.TryGet(key, q.Id);
        if (reply is not null) Counters.CountCacheHit();
        else reply = await ForwardAsync(query, q, key, cancel);
        if (Observer is { } observer && observer.Wants(q.Name) && DnsWire.Rcode(reply) == 0)
            observer.Observe(q.Name, DnsResponse.AnswerAddresses(reply));
        return Fit(reply, query, q, maxReplySize);
    }

    private async Task<byte[]> ForwardAsync(byte[] query, DnsQuery q, DnsCache.Key key, CancellationToken cancel)
    {
        var (_, upstreams) = routes.Route(q.Name);
        bool any = false;
        foreach (var upstream in upstreams)
            foreach (var (server, tlsName) in Expand(upstream))
            {
                any = true;
                // A fresh random id per upstream query (RFC 5452 §9.2): an off-path forger must guess it and the port.
                byte[] outgoing = (byte[])query.Clone();
                ushort id = (ushort)Random.Shared.Next(0, 65536);
                DnsWire.SetId(outgoing, id);
                byte[]? answer = tlsName is not null
                    ? await transport.TlsAsync(server, tlsName, outgoing, cancel)
                    : await transport.UdpAsync(server, outgoing, cancel);
                if (answer is not null && answer.Length >= DnsWire.HeaderLength && DnsWire.IsTruncated(answer) && tlsName is null)
                    answer = await transport.TcpAsync(server, outgoing, cancel);
                if (answer is null || answer.Length < DnsWire.HeaderLength || DnsWire.Id(answer) != id ||
                    !DnsResponse.TryInspect(answer, q, out var inspection) || DnsWire.Rcode(answer) is 2 or 5)
                {
                    Counters.CountUpstreamFailure();
                    continue;
                }
                Counters.CountForwarded();
                DnsWire.SetId(answer, q.Id);
                cache.Store(key, answer, inspection);
                return answer;
            }
        if (!any && upstreams.Any(u => u is DnsUpstream.Hq)) Counters.CountTunnelDown();
        Counters.CountServFail();
        return DnsQuery.ErrorReply(query, q.QuestionEnd, rcode: 2);
    }

    private IEnumerable<(IPEndPoint Server, string? TlsName)> Expand(DnsUpstream upstream) => upstream switch
    {
        DnsUpstream.Plain p => [(p.EndPoint, null)],
        DnsUpstream.Tls t => [(t.EndPoint, t.Name)],
        DnsUpstream.Wan => sources.WanResolvers().Select(a => (new IPEndPoint(a, DnsUpstream.DnsPort), (string?)null)),
        DnsUpstream.Hq => sources.HqResolvers().Select(a => (new IPEndPoint(a, DnsUpstream.DnsPort), (string?)null)),
        _ => [],
    };

    // RFC 1035 §4.2.1 / RFC 6891: a UDP answer larger than the client takes goes out as header + question with TC set.
    private byte[] Fit(byte[] reply, byte[] query, DnsQuery q, int maxReplySize)
    {
        if (reply.Length <= maxReplySize) return reply;
        Counters.CountTruncated();
        byte[] truncated = DnsQuery.ErrorReply(query, q.QuestionEnd, DnsWire.Rcode(reply));
        truncated[2] |= 0x02;
        return truncated;
    }
}

using System.Net;
using Appliance.Lan.Dns;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Lan.Tests.DnsPackets;

namespace Appliance.Lan.Tests;

public sealed class DnsForwarderTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeTransport _transport = new();
    private readonly FakeSources _sources = new();

    private DnsForwarder NewForwarder(int cacheSize = 100, Dictionary<string, IReadOnlyList<DnsUpstream>>? domains = null,
        params DnsUpstream[] defaults) =>
        new(new DnsRoutes(defaults.Length > 0 ? defaults : [new DnsUpstream.Wan()], domains ?? []),
            new DnsCache(cacheSize, _time), _transport, _sources);

    private static readonly IPEndPoint Public = IPEndPoint.Parse("10.99.0.2:53");

    [Fact]
    public async Task A_query_is_forwarded_with_a_fresh_id_and_answered_with_the_clients()
    {
        _sources.Wan = [IPAddress.Parse("10.99.0.2")];
        _transport.Answer = (_, q) => Answer(q, 0, 300);
        var f = NewForwarder();
        var reply = (await f.AnswerAsync(Query("example.com", id: 7), 512, default))!;
        Assert.Equal(7, DnsWire.Id(reply));
        var sent = Assert.Single(_transport.Sent);
        Assert.Equal(Public, sent.Server);
        Assert.Equal("udp", sent.Kind);
        Assert.Equal(1, f.Counters.Forwarded);
    }

    [Fact]
    public async Task The_cache_answers_with_aged_ttls_until_the_smallest_ttl_ends()
    {
        _sources.Wan = [IPAddress.Parse("10.99.0.2")];
        _transport.Answer = (_, q) => Answer(q, 0, 300, 100);
        var f = NewForwarder();
        await f.AnswerAsync(Query("example.com", id: 1), 512, default);
        _time.Advance(TimeSpan.FromSeconds(40));
        var cached = (await f.AnswerAsync(Query("EXAMPLE.com", id: 2), 512, default))!;
        Assert.Equal(2, DnsWire.Id(cached));
        Assert.Equal(260u, FirstTtl(cached));
        Assert.Single(_transport.Sent);
        Assert.Equal(1, f.Counters.CacheHits);
        _time.Advance(TimeSpan.FromSeconds(61));
        await f.AnswerAsync(Query("example.com", id: 3), 512, default);
        Assert.Equal(2, _transport.Sent.Count);
    }

    [Fact]
    public void The_cache_is_bounded_and_evicts_the_least_recently_used()
    {
        var cache = new DnsCache(2, _time);
        foreach (string n in (string[])["a.example", "b.example"]) Store(cache, n);
        Assert.NotNull(cache.TryGet(new("a.example", 1, 1), 1)); // a is now more recent than b
        Store(cache, "c.example");
        Assert.Equal(2, cache.Count);
        Assert.Null(cache.TryGet(new("b.example", 1, 1), 1));
        Assert.NotNull(cache.TryGet(new("a.example", 1, 1), 1));
        Assert.NotNull(cache.TryGet(new("c.example", 1, 1), 1));
    }

    private static void Store(DnsCache cache, string name)
    {
        var query = Query(name);
        var answer = Answer(query, 0, 300);
        Assert.True(DnsQuery.TryParse(query, out var q, out _));
        Assert.True(DnsResponse.TryInspect(answer, q, out var inspection));
        cache.Store(new(name, 1, 1), answer, inspection);
    }

    [Fact]
    public async Task Servfail_and_records_without_ttl_are_not_cached()
    {
        _sources.Wan = [IPAddress.Parse("10.99.0.2")];
        _transport.Answer = (_, q) => Answer(q, 3); // NXDOMAIN without SOA: nothing says how long
        var f = NewForwarder();
        await f.AnswerAsync(Query("nx.example"), 512, default);
        await f.AnswerAsync(Query("nx.example"), 512, default);
        Assert.Equal(2, _transport.Sent.Count);
    }

    [Fact]
    public async Task Split_dns_sends_a_domain_to_its_upstream_and_the_rest_to_the_default()
    {
        _sources.Hq = [IPAddress.Parse("192.168.2.53")];
        _transport.Answer = (_, q) => Answer(q, 0, 60);
        var f = NewForwarder(domains: new() { ["corp.example.com"] = [new DnsUpstream.Hq()] },
            defaults: new DnsUpstream.Plain(Public));
        await f.AnswerAsync(Query("intranet.corp.example.com"), 512, default);
        await f.AnswerAsync(Query("www.example.com"), 512, default);
        Assert.Equal(["192.168.2.53:53", "10.99.0.2:53"], _transport.Sent.Select(s => s.Server.ToString()));
    }

    [Fact]
    public async Task With_the_tunnel_down_an_hq_name_is_servfail_and_nothing_is_sent()
    {
        var f = NewForwarder(domains: new() { ["corp.example.com"] = [new DnsUpstream.Hq()] },
            defaults: new DnsUpstream.Plain(Public));
        var reply = (await f.AnswerAsync(Query("intranet.corp.example.com"), 512, default))!;
        Assert.Equal(2, DnsWire.Rcode(reply));
        Assert.Empty(_transport.Sent);
        Assert.Equal(1, f.Counters.TunnelDown);
    }

    [Fact]
    public async Task A_failing_or_forged_upstream_falls_through_to_the_next_then_servfail()
    {
        var second = IPEndPoint.Parse("10.99.0.3:53");
        _transport.Answer = (server, q) => server.Equals(Public)
            ? Answer(Query("evil.example", id: DnsWire.Id(q))) // right id, wrong question
            : Answer(q, 0, 60);
        var f = NewForwarder(defaults: [new DnsUpstream.Plain(Public), new DnsUpstream.Plain(second)]);
        var reply = (await f.AnswerAsync(Query("example.com"), 512, default))!;
        Assert.Equal(0, DnsWire.Rcode(reply));
        Assert.Equal(1, f.Counters.UpstreamFailures);

        _transport.Answer = (_, _) => null;
        reply = (await f.AnswerAsync(Query("other.example"), 512, default))!;
        Assert.Equal(2, DnsWire.Rcode(reply));
        Assert.Equal(1, f.Counters.ServFail);
    }

    [Fact]
    public async Task A_truncated_udp_answer_is_retried_over_tcp_and_a_large_answer_truncated_for_the_client()
    {
        _transport.Answer = (_, q) =>
        {
            var a = Answer(q, 0, Enumerable.Repeat(60u, 40).ToArray());
            if (_transport.Sent[^1].Kind == "udp") a[2] |= 0x02;
            return a;
        };
        var f = NewForwarder(defaults: new DnsUpstream.Plain(Public));
        var reply = (await f.AnswerAsync(Query("big.example"), 512, default))!;
        Assert.Equal(["udp", "tcp"], _transport.Sent.Select(s => s.Kind));
        Assert.True(DnsWire.IsTruncated(reply)); // 40 records do not fit 512 bytes: the client retries over TCP
        Assert.Equal(0, DnsWire.Count(reply, 1));
        var overTcp = (await f.AnswerAsync(Query("big.example"), 65535, default))!;
        Assert.Equal(40, DnsWire.Count(overTcp, 1));
    }

    [Fact]
    public async Task A_tls_upstream_is_asked_over_tls_with_its_name()
    {
        _transport.Answer = (_, q) => Answer(q, 0, 60);
        var f = NewForwarder(defaults: new DnsUpstream.Tls(IPEndPoint.Parse("10.99.0.2:853"), "dns.example.net"));
        await f.AnswerAsync(Query("example.com"), 512, default);
        var sent = Assert.Single(_transport.Sent);
        Assert.Equal("tls:dns.example.net", sent.Kind);
    }

    [Fact]
    public async Task A_malformed_query_is_counted_and_gets_no_reply()
    {
        var f = NewForwarder();
        Assert.Null(await f.AnswerAsync([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1], 512, default));
        Assert.Equal(1, f.Counters.Dropped(DnsDrop.BadName));
        Assert.Empty(_transport.Sent);
    }

    internal sealed class FakeTransport : IDnsTransport
    {
        public Func<IPEndPoint, byte[], byte[]?> Answer { get; set; } = (_, _) => null;
        public List<(IPEndPoint Server, string Kind)> Sent { get; } = [];

        public Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, CancellationToken cancel) => Send(server, "udp", query);
        public Task<byte[]?> TcpAsync(IPEndPoint server, byte[] query, CancellationToken cancel) => Send(server, "tcp", query);
        public Task<byte[]?> TlsAsync(IPEndPoint server, string name, byte[] query, CancellationToken cancel) => Send(server, "tls:" + name, query);

        private Task<byte[]?> Send(IPEndPoint server, string kind, byte[] query)
        {
            Sent.Add((server, kind));
            return Task.FromResult(Answer(server, query));
        }
    }

    internal sealed class FakeSources : IDnsUpstreamSource
    {
        public IReadOnlyList<IPAddress> Wan { get; set; } = [];
        public IReadOnlyList<IPAddress> Hq { get; set; } = [];
        public IReadOnlyList<IPAddress> WanResolvers() => Wan;
        public IReadOnlyList<IPAddress> HqResolvers() => Hq;
    }
}

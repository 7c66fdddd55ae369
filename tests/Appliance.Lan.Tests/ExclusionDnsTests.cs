using System.Buffers.Binary;
using System.Net;
using Appliance.Lan.Dns;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Lan.Tests.DnsPackets;

namespace Appliance.Lan.Tests;

/// <summary>What exclusion lists by domain need from the DNS side: patterns, the answer's addresses, and the forwarder's hook.</summary>
public sealed class ExclusionDnsTests
{
    [Theory]
    [InlineData("zoom.us", "zoom.us", true)]
    [InlineData("zoom.us", "us04web.zoom.us", true)]
    [InlineData("zoom.us", "notzoom.us", false)]
    [InlineData("zoom.us", "zoom.us.evil.example", false)]
    [InlineData("*.example-video.com", "cdn.example-video.com", true)]
    [InlineData("*.example-video.com", "a.b.example-video.com", true)]
    [InlineData("*.example-video.com", "example-video.com", false)]
    [InlineData("ZOOM.us.", "zoom.us", true)]
    public void Patterns_match_the_domain_and_below_or_only_below(string pattern, string name, bool matches)
    {
        Assert.True(DomainPattern.TryParse(pattern, out var p));
        Assert.Equal(matches, p!.Matches(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("a.*.example.com")]
    [InlineData("exa mple.com")]
    [InlineData("10.0.0.0/8")]
    public void Non_patterns_are_refused(string text) => Assert.False(DomainPattern.TryParse(text, out _));

    [Fact]
    public void Answer_addresses_are_read_from_a_and_aaaa_records_behind_a_cname_with_their_ttls()
    {
        byte[] query = Query("video.example.net");
        var m = new List<byte>(query);
        m[2] = 0x81; m[3] = 0x80; m[7] = 3; m[11] = 0;
        // CNAME video.example.net → cdn.example.net (TTL 60), A 203.0.113.10 (TTL 30), AAAA 2001:db8::10 (TTL 20).
        byte[] target = Name("cdn.example.net");
        m.AddRange([0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, (byte)target.Length, .. target]);
        int cdn = query.Length + 12;
        m.AddRange([(byte)(0xC0 | (cdn >> 8)), (byte)cdn, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 203, 0, 113, 10]);
        m.AddRange([(byte)(0xC0 | (cdn >> 8)), (byte)cdn, 0, 28, 0, 1, 0, 0, 0, 20, 0, 16, .. IPAddress.Parse("2001:db8::10").GetAddressBytes()]);
        var found = DnsResponse.AnswerAddresses([.. m]);
        Assert.Equal([new AnsweredAddress(IPAddress.Parse("203.0.113.10"), 30u), new AnsweredAddress(IPAddress.Parse("2001:db8::10"), 20u)], found);
    }

    [Fact]
    public void A_truncated_or_lying_answer_gives_no_addresses()
    {
        byte[] answer = Answer(Query("video.example.net"), 0, 300, 300);
        Assert.Equal(2, DnsResponse.AnswerAddresses(answer).Count);
        Assert.Empty(DnsResponse.AnswerAddresses(answer[..^3]));
        byte[] lying = (byte[])answer.Clone();
        lying[7] = 9; // more answers than the message holds
        Assert.Empty(DnsResponse.AnswerAddresses(lying));
        byte[] badLength = (byte[])answer.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(badLength.AsSpan(answer.Length - 6), 5); // an A record of 5 octets
        Assert.DoesNotContain(DnsResponse.AnswerAddresses(badLength), a => a.Address.Equals(IPAddress.Parse("10.0.0.2")));
    }

    private sealed class Recorder(string domain) : IDnsAnswerObserver
    {
        public readonly List<(string Name, IPAddress Address, uint Ttl)> Seen = [];
        public bool Wants(string name) => DnsName.IsAtOrBelow(name, domain);
        public void Observe(string name, IReadOnlyList<AnsweredAddress> addresses)
        {
            foreach (var (a, t) in addresses) Seen.Add((name, a, t));
        }
    }

    [Fact]
    public async Task The_forwarder_shows_the_observer_fresh_and_cached_answers_for_the_names_it_wants_only()
    {
        var time = new FakeTimeProvider();
        var transport = new DnsForwarderTests.FakeTransport { Answer = (_, q) => Answer(q, 0, 300) };
        var sources = new DnsForwarderTests.FakeSources { Wan = [IPAddress.Parse("10.99.0.2")] };
        var recorder = new Recorder("zoom.us");
        var f = new DnsForwarder(new DnsRoutes([new DnsUpstream.Wan()], new Dictionary<string, IReadOnlyList<DnsUpstream>>()),
            new DnsCache(100, time), transport, sources) { Observer = recorder };
        await f.AnswerAsync(Query("example.com"), 512, default);
        Assert.Empty(recorder.Seen);
        await f.AnswerAsync(Query("us04web.zoom.us"), 512, default);
        Assert.Equal(("us04web.zoom.us", IPAddress.Parse("10.0.0.1"), 300u), Assert.Single(recorder.Seen));
        time.Advance(TimeSpan.FromSeconds(100));
        await f.AnswerAsync(Query("us04web.zoom.us"), 512, default);
        Assert.Equal(2, recorder.Seen.Count);
        Assert.Equal(200u, recorder.Seen[1].Ttl); // from the cache, aged
        Assert.Equal(2, transport.Sent.Count); // the second zoom.us answer came from the cache
    }
}

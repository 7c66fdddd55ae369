using Appliance.Lan.Dns;
using static Appliance.Lan.Tests.DnsPackets;

namespace Appliance.Lan.Tests;

public sealed class DnsCodecTests
{
    [Fact]
    public void A_query_is_read_lower_cased_with_its_edns_size()
    {
        Assert.True(DnsQuery.TryParse(Query("WWW.Example.COM", type: 28, ednsSize: 1232), out var q, out _));
        Assert.Equal("www.example.com", q.Name);
        Assert.Equal(28, q.Type);
        Assert.Equal(1232, q.UdpPayloadSize);
        Assert.True(DnsQuery.TryParse(Query("example.com"), out q, out _));
        Assert.Equal(512, q.UdpPayloadSize);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var good = Query("example.com");
        byte[] Mutate(Action<byte[]> change) { var b = (byte[])good.Clone(); change(b); return b; }
        // A pointer to itself at offset 12: the classic compression loop.
        byte[] selfLoop = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];
        // Label then a pointer back to that label: a two-step loop.
        byte[] twoStep = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        // A forward pointer.
        byte[] forward = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 16, 0, 1, 1, (byte)'a', 0, 0, 1, 0, 1];
        // A name of 300 octets made of 64-byte runs is refused by the label limit, of 63-byte labels by the name limit.
        byte[] longName = Query(string.Join('.', Enumerable.Repeat(new string('a', 63), 5)));
        return new()
        {
            { nameof(DnsDrop.Truncated), good[..11] },
            { nameof(DnsDrop.Truncated), good[..^3] },
            { nameof(DnsDrop.Truncated), good[..14] },
            { nameof(DnsDrop.Oversized), [.. good, .. new byte[5000]] },
            { nameof(DnsDrop.NotQuery), Mutate(b => b[2] |= 0x80) },
            { nameof(DnsDrop.NotQuery), Mutate(b => b[2] |= 0x28) },
            { nameof(DnsDrop.BadQuestionCount), Mutate(b => b[5] = 2) },
            { nameof(DnsDrop.BadQuestionCount), Mutate(b => b[5] = 0) },
            { nameof(DnsDrop.BadName), selfLoop },
            { nameof(DnsDrop.BadName), twoStep },
            { nameof(DnsDrop.BadName), forward },
            { nameof(DnsDrop.BadName), longName },
            { nameof(DnsDrop.BadName), Mutate(b => b[12] = 0x47) },
            // An additional record claiming more data than the message holds.
            { nameof(DnsDrop.Truncated), Mutate(b => b[11] = 1) },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_queries_are_refused_with_their_reason(string reason, byte[] message)
    {
        Assert.False(DnsQuery.TryParse(message, out _, out var drop));
        Assert.Equal(Enum.Parse<DnsDrop>(reason), drop);
    }

    [Fact]
    public void Every_truncation_of_a_query_is_refused_without_an_exception()
    {
        var q = Query("intranet.corp.example.com", ednsSize: 4096);
        for (int n = 0; n < q.Length; n++) Assert.False(DnsQuery.TryParse(q.AsSpan(0, n), out _, out _));
    }

    [Fact]
    public void A_response_to_another_question_or_with_a_record_past_the_end_is_not_accepted()
    {
        var query = Query("example.com");
        Assert.True(DnsQuery.TryParse(query, out var q, out _));
        var answer = Answer(query, 0, 300, 60);
        Assert.True(DnsResponse.TryInspect(answer, q, out var inspection));
        Assert.Equal(60u, inspection.MinTtl);
        Assert.Equal(2, inspection.TtlOffsets.Length);
        Assert.True(inspection.Cacheable);
        Assert.False(DnsResponse.TryInspect(Answer(Query("example.org")), q, out _));
        Assert.False(DnsResponse.TryInspect(answer[..^2], q, out _));
        Assert.False(DnsResponse.TryInspect(query, q, out _)); // QR clear
    }

    [Fact]
    public void Error_reply_keeps_the_question_and_sets_the_rcode()
    {
        var query = Query("example.com", ednsSize: 1232);
        Assert.True(DnsQuery.TryParse(query, out var q, out _));
        var reply = DnsQuery.ErrorReply(query, q.QuestionEnd, 2);
        Assert.Equal(q.QuestionEnd, reply.Length);
        Assert.True(DnsWire.IsResponse(reply));
        Assert.Equal(2, DnsWire.Rcode(reply));
        Assert.Equal(0x4242, DnsWire.Id(reply));
        Assert.Equal(1, DnsWire.Count(reply, 0));
        Assert.Equal(0, DnsWire.Count(reply, 3));
    }

    [Theory]
    [InlineData("corp.example.com", "corp.example.com", true)]
    [InlineData("a.b.corp.example.com", "corp.example.com", true)]
    [InlineData("xcorp.example.com", "corp.example.com", false)]
    [InlineData("example.com", "corp.example.com", false)]
    public void Domain_matching_follows_label_boundaries(string name, string domain, bool expected) =>
        Assert.Equal(expected, DnsName.IsAtOrBelow(name, domain));

    [Theory]
    [InlineData("9.9.9.9", "9.9.9.9:53")]
    [InlineData("10.0.0.53:5353", "10.0.0.53:5353")]
    [InlineData("[2620:fe::fe]:53", "[2620:fe::fe]:53")]
    [InlineData("tls://9.9.9.9#dns.quad9.net", "tls://9.9.9.9:853#dns.quad9.net")]
    [InlineData("wan", "wan")]
    [InlineData("HQ", "hq")]
    public void Upstreams_parse(string text, string expected)
    {
        Assert.True(DnsUpstream.TryParse(text, out var u, out _));
        Assert.Equal(expected, u.ToString());
    }

    [Theory]
    [InlineData("tls://9.9.9.9")]
    [InlineData("dns.quad9.net")]
    [InlineData("9.9.9.9:0")]
    public void Bad_upstreams_are_refused_with_a_reason(string text)
    {
        Assert.False(DnsUpstream.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Resolv_conf_nameservers_are_read_without_loopback_stubs()
    {
        var servers = ResolvConf.Parse("# uplink\nnameserver 10.99.0.2\nnameserver 127.0.0.53\nsearch example.com\nnameserver\t2001:db8::53\n");
        Assert.Equal(["10.99.0.2", "2001:db8::53"], servers.Select(s => s.ToString()));
    }
}

using System.Net;
using Appliance.Configuration;
using Appliance.LanServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>In memory: which answers for excluded domains make an address leave locally, and for how long.</summary>
public sealed class SiteExclusionsTests
{
    private readonly List<(IPAddress Address, string Domain, TimeSpan Hold)> _excluded = [];
    private bool _accept = true;

    private SiteExclusions Build(params string[] exclude)
    {
        var o = new ApplianceOptions();
        o.Dns.ExclusionGrace = TimeSpan.FromMinutes(10);
        o.Tunnels["hq"] = new TunnelOptions { LocalTs = ["192.168.1.0/24"], RemoteTs = ["192.168.2.0/24", "203.0.113.0/24", "10.0.0.0/8"], Exclude = [.. exclude] };
        o.Tunnels["ipv6"] = new TunnelOptions { LocalTs = ["fd00:1::/64"], RemoteTs = ["::/0"], Exclude = ["*.example-video.com"] };
        return new SiteExclusions(o, (a, d, h) => { _excluded.Add((a, d, h)); return _accept; }, NullLogger.Instance);
    }

    private static IReadOnlyList<Lan.Dns.AnsweredAddress> Answer(params (string Address, uint Ttl)[] records) =>
        [.. records.Select(r => new Lan.Dns.AnsweredAddress(IPAddress.Parse(r.Address), r.Ttl))];

    [Fact]
    public void A_public_address_inside_the_tunnels_remote_selectors_leaves_locally_for_ttl_plus_grace()
    {
        var x = Build("zoom.us", "198.51.100.0/24");
        Assert.True(x.Wants("us04web.zoom.us"));
        Assert.False(x.Wants("example.com"));
        Assert.Equal(["zoom.us", "*.example-video.com"], x.Patterns);
        x.Observe("us04web.zoom.us", Answer(("203.0.113.10", 30), ("8.8.8.8", 30)));
        // 8.8.8.8 is outside every RemoteTs of the tunnel with the pattern: it already leaves locally, nothing to do.
        var e = Assert.Single(_excluded);
        Assert.Equal((IPAddress.Parse("203.0.113.10"), "zoom.us", TimeSpan.FromSeconds(630)), e);
        Assert.Equal(1, x.Excluded);
    }

    [Fact]
    public void Private_and_special_addresses_stay_in_the_tunnel_and_are_counted()
    {
        var x = Build("zoom.us");
        x.Observe("zoom.us", Answer(("10.1.2.3", 30), ("192.168.2.20", 30)));
        Assert.Empty(_excluded);
        Assert.Equal(2, x.Refused); // both inside RemoteTs, both private: a forged answer cannot pull HQ's hosts out
        x.Observe("zoom.us", Answer(("169.254.1.1", 30), ("224.0.0.251", 30)));
        Assert.Empty(_excluded);
        Assert.Equal(2, x.Refused); // outside every RemoteTs: not the exclusion's business
    }

    [Fact]
    public void Ipv6_answers_follow_their_own_tunnel_and_a_refusal_by_the_data_plane_is_counted()
    {
        var x = Build("zoom.us");
        x.Observe("cdn.example-video.com", Answer(("2001:db8::10", 0), ("fd00:2::1", 60)));
        Assert.Equal((IPAddress.Parse("2001:db8::10"), "*.example-video.com", TimeSpan.FromMinutes(10)), Assert.Single(_excluded));
        _accept = false;
        x.Observe("zoom.us", Answer(("203.0.113.11", 30)));
        Assert.Equal(2, x.Refused); // fd00:2::1 (not public) and the data plane's refusal
    }

    [Fact]
    public void Exclude_entries_are_validated_by_key()
    {
        var t = new TunnelOptions { Exclude = ["zoom.us", "203.0.113.0/24", "203.0.113.7", "*.cdn.example", "not a domain", "a.*.example"] };
        var errors = new List<string>();
        var (prefixes, domains) = ExclusionList.Parse(t, "Appliance:Tunnels:hq", errors);
        Assert.Equal(["203.0.113.0/24", "203.0.113.7/32"], prefixes.Select(p => p.ToString()));
        Assert.Equal(["zoom.us", "*.cdn.example"], domains.Select(d => d.ToString()));
        Assert.Equal(["Appliance:Tunnels:hq:Exclude:4", "Appliance:Tunnels:hq:Exclude:5"], errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]));
    }
}

using System.Net;
using Appliance.Configuration;
using Appliance.DataPath;

namespace Appliance.Integration.Tests;

/// <summary>
/// Appliance:L2tp (issue 16), checked in process at start: each problem named by its key, the PSK never echoed, and the data
/// plane's local-service tunnel the service builds from it.
/// </summary>
public sealed class L2tpConfigTests
{
    private static ApplianceOptions Options(Action<ApplianceOptions>? tweak = null)
    {
        var options = new ApplianceOptions();
        options.Wan.Interface = "eth0";
        options.Lan.Interface = "eth1";
        options.Lan.Address = "192.168.1.1/24";
        options.L2tp = new L2tpOptions { Enabled = true, Psk = "branch-office-secret", Pool = "10.77.0.0/24" };
        tweak?.Invoke(options);
        return options;
    }

    private static IReadOnlyList<string> Errors(ApplianceOptions options) =>
        ApplianceOptionsValidator.Validate(options).Where(e => e.Contains("L2tp", StringComparison.Ordinal) || e.Contains(":l2tp", StringComparison.Ordinal)).ToList();

    [Fact]
    public void A_complete_section_is_accepted_and_becomes_a_local_service_tunnel_from_the_lan_to_the_pool()
    {
        var options = Options();
        Assert.Empty(Errors(options));
        var policy = Assert.Single(DataPlaneService.TunnelPolicies(options), p => p.LocalService);
        Assert.Equal(L2tpRules.TunnelName, policy.Name);
        Assert.Equal([IPNetwork.Parse("192.168.1.0/24")], policy.LocalTs);
        Assert.Equal([IPNetwork.Parse("10.77.0.0/24")], policy.RemoteTs);
        Assert.False(policy.PerClient);
        // The forwarder on the LAN address answers the clients unless DNS servers are given.
        options.Dns.Enabled = true;
        Assert.Equal([IPAddress.Parse("192.168.1.1")], L2tpRules.DnsServers(options));
        options.L2tp.Dns = ["192.168.1.53", "9.9.9.9"];
        Assert.Equal([IPAddress.Parse("192.168.1.53"), IPAddress.Parse("9.9.9.9")], L2tpRules.DnsServers(options));
    }

    [Fact]
    public void Disabled_is_the_default_and_adds_nothing()
    {
        var options = new ApplianceOptions();
        options.Wan.Interface = "eth0";
        options.Lan.Interface = "eth1";
        Assert.False(options.L2tp.Enabled);
        Assert.DoesNotContain(DataPlaneService.TunnelPolicies(options), p => p.LocalService);
    }

    [Theory]
    [InlineData("psk-missing", "Appliance:L2tp:Psk: set exactly one of Psk and PskFile")]
    [InlineData("psk-short", "Appliance:L2tp:Psk: at least 8 characters")]
    [InlineData("pool-missing", "Appliance:L2tp:Pool: required")]
    [InlineData("pool-ipv6", "Appliance:L2tp:Pool: required")]
    [InlineData("pool-tiny", "Appliance:L2tp:Pool: required")]
    [InlineData("pool-in-lan", "Appliance:L2tp:Pool: 192.168.1.128/25 overlaps the LAN 192.168.1.0/24")]
    [InlineData("no-lan", "Appliance:L2tp:Enabled: L2TP clients reach the office LAN")]
    [InlineData("dns-bad", "Appliance:L2tp:Dns:0: 'fd00::53' is not an IPv4 address")]
    [InlineData("dns-three", "Appliance:L2tp:Dns: IPCP carries two DNS servers")]
    [InlineData("failures", "Appliance:L2tp:MaxLoginFailures: 0 is outside 1..100")]
    [InlineData("name-taken", "Appliance:Tunnels:l2tp: the name is L2TP/IPsec's")]
    public void Each_problem_is_named_by_its_key(string problem, string expected)
    {
        var options = Options(o =>
        {
            switch (problem)
            {
                case "psk-missing": o.L2tp.Psk = null; break;
                case "psk-short": o.L2tp.Psk = "short"; break;
                case "pool-missing": o.L2tp.Pool = null; break;
                case "pool-ipv6": o.L2tp.Pool = "fd00:77::/64"; break;
                case "pool-tiny": o.L2tp.Pool = "10.77.0.1/32"; break;
                case "pool-in-lan": o.L2tp.Pool = "192.168.1.128/25"; break;
                case "no-lan": o.Lan.Interface = null; break;
                case "dns-bad": o.L2tp.Dns = ["fd00::53"]; break;
                case "dns-three": o.L2tp.Dns = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]; break;
                case "failures": o.L2tp.MaxLoginFailures = 0; break;
                case "name-taken": o.Tunnels["l2tp"] = new TunnelOptions { RemoteAddress = "192.0.2.1", Psk = "0123456789abcdef0123", LocalTs = ["192.168.1.0/24"], RemoteTs = ["10.0.0.0/8"] }; break;
            }
        });
        var errors = ApplianceOptionsValidator.Validate(options);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("branch-office-secret", StringComparison.Ordinal));
    }
}

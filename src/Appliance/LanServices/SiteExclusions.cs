using System.Net;
using Appliance.Configuration;
using Appliance.Lan.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>
/// Exclusion lists by domain: when the DNS forwarder answers the LAN for an excluded name, the answer's addresses that a
/// site tunnel's RemoteTs would carry leave locally instead, for the TTL plus a grace. Only public unicast addresses: an
/// answer naming a private, loopback, link-local or multicast address is refused (counted), so a forged or careless
/// answer for a public name cannot pull traffic for HQ's networks out of the tunnel.
/// </summary>
public sealed class SiteExclusions : IDnsAnswerObserver
{
    private static readonly IPNetwork[] NotPublic = Parse(
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8");

    private sealed class Rule(DomainPattern pattern, IPNetwork[] remote)
    {
        public readonly DomainPattern Pattern = pattern;
        public readonly IPNetwork[] Remote = remote;
    }

    private readonly List<Rule> _rules = [];
    private readonly Func<IPAddress, string, TimeSpan, bool> _exclude;
    private readonly TimeSpan _grace;
    private readonly ILogger _logger;
    private long _excluded, _refused;

    /// <param name="exclude">The data plane's <see cref="Linux.DataPlane.Exclude"/>: true when the address now leaves locally.</param>
    public SiteExclusions(ApplianceOptions options, Func<IPAddress, string, TimeSpan, bool> exclude, ILogger logger)
    {
        _exclude = exclude;
        _grace = options.Dns.ExclusionGrace;
        _logger = logger;
        foreach (var (name, tunnel) in options.Tunnels)
        {
            var (_, domains) = ExclusionList.Parse(tunnel, name, null);
            IPNetwork[] remote = Parse([.. tunnel.RemoteTs]);
            foreach (var d in domains) _rules.Add(new Rule(d, remote));
        }
    }

    public SiteExclusions(IOptions<ApplianceOptions> options, DataPath.DataPlaneService dataPlane, ILogger<SiteExclusions> logger)
        : this(options.Value, dataPlane.Exclude, logger) { }

    public static bool AnyDomains(ApplianceOptions options) =>
        options.Tunnels.Values.Any(t => ExclusionList.Parse(t, "", null).Domains.Count > 0);

    public List<string> Patterns
    {
        get
        {
            var patterns = new List<string>();
            foreach (var r in _rules)
                if (!patterns.Contains(r.Pattern.ToString())) patterns.Add(r.Pattern.ToString());
            return patterns;
        }
    }

    /// <summary>Addresses an excluded domain's answers named and that now leave locally (new or refreshed).</summary>
    public long Excluded => Interlocked.Read(ref _excluded);

    /// <summary>Addresses not excluded: not public unicast, or the data plane could not take them (full, not started).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public bool Wants(string name)
    {
        foreach (var rule in _rules)
            if (rule.Pattern.Matches(name)) return true;
        return false;
    }

    public void Observe(string name, IReadOnlyList<AnsweredAddress> addresses)
    {
        foreach (var answered in addresses)
            foreach (var rule in _rules)
            {
                var (pattern, remote) = (rule.Pattern, rule.Remote);
                var (address, ttl) = answered;
                // Only what a tunnel would otherwise carry needs an exception.
                if (!pattern.Matches(name) || !AnyContains(remote, address)) continue;
                if (AnyContains(NotPublic, address))
                {
                    Interlocked.Increment(ref _refused);
                    _logger.LogWarning("exclusion {Pattern}: {Name} answered {Address}, not a public address: it stays in the tunnel", pattern, name, address);
                }
                else if (_exclude(address, pattern.ToString(), TimeSpan.FromSeconds(ttl) + _grace))
                    Interlocked.Increment(ref _excluded);
                else
                    Interlocked.Increment(ref _refused);
                break;
            }
    }

    private static bool AnyContains(IPNetwork[] prefixes, IPAddress address)
    {
        foreach (var p in prefixes)
            if (p.Contains(address)) return true;
        return false;
    }

    private static IPNetwork[] Parse(params string[] prefixes)
    {
        var parsed = new IPNetwork[prefixes.Length];
        for (int i = 0; i < prefixes.Length; i++) parsed[i] = IPNetwork.Parse(prefixes[i]);
        return parsed;
    }
}

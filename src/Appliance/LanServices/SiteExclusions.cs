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
    private static readonly IPNetwork[] NotPublic = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8",
    }.Select(IPNetwork.Parse)];

    private readonly List<(DomainPattern Pattern, IPNetwork[] Remote)> _rules = [];
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
            IPNetwork[] remote = [.. tunnel.RemoteTs.Select(IPNetwork.Parse)];
            foreach (var d in domains) _rules.Add((d, remote));
        }
    }

    public SiteExclusions(IOptions<ApplianceOptions> options, DataPath.DataPlaneService dataPlane, ILogger<SiteExclusions> logger)
        : this(options.Value, dataPlane.Exclude, logger) { }

    public static bool AnyDomains(ApplianceOptions options) =>
        options.Tunnels.Values.Any(t => ExclusionList.Parse(t, "", null).Domains.Count > 0);

    public IEnumerable<DomainPattern> Patterns => _rules.Select(r => r.Pattern).Distinct();

    /// <summary>Addresses an excluded domain's answers named and that now leave locally (new or refreshed).</summary>
    public long Excluded => Interlocked.Read(ref _excluded);

    /// <summary>Addresses not excluded: not public unicast, or the data plane could not take them (full, not started).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public bool Wants(string name)
    {
        foreach (var (pattern, _) in _rules)
            if (pattern.Matches(name)) return true;
        return false;
    }

    public void Observe(string name, IReadOnlyList<(IPAddress Address, uint Ttl)> addresses)
    {
        foreach (var (address, ttl) in addresses)
            foreach (var (pattern, remote) in _rules)
            {
                // Only what a tunnel would otherwise carry needs an exception.
                if (!pattern.Matches(name) || !remote.Any(p => p.Contains(address))) continue;
                if (NotPublic.Any(p => p.Contains(address)))
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
}

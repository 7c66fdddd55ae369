using Appliance.Common;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Configuration;
using Appliance.Linux.Routing;
using Appliance.Lan.Dns;

namespace Appliance.LanServices;

/// <summary>Appliance:Dns checked and turned into routes, naming each bad key.</summary>
public static class DnsSettingsFactory
{
    private const string Key = "Appliance:Dns";

    public sealed record Settings(IPAddress Listen, int Port, DnsRoutes Routes, int CacheSize, X509Certificate2Collection TlsTrust);

    public static Settings? Build(ApplianceOptions o, List<string> errors)
    {
        var d = o.Dns;
        int before = errors.Count;
        if (o.Lan.Interface is null) errors.Add($"{Key}:Enabled: the DNS forwarder needs Appliance:Lan:Interface");
        if (!InterfaceAddress.TryParse(o.Lan.Address, out var lan))
            errors.Add($"Appliance:Lan:Address: the DNS forwarder listens on the box's LAN address, e.g. 192.168.1.1/24 (got '{o.Lan.Address}')");
        if (d.Port is < 1 or > 65535) errors.Add($"{Key}:Port: must be 1-65535 (got {d.Port})");
        if (d.CacheSize is < 0 or > 1_000_000) errors.Add($"{Key}:CacheSize: must be 0-1000000 (got {d.CacheSize})");
        if (d.Upstreams.Count == 0) errors.Add($"{Key}:Upstreams: at least one upstream is required (wan, hq, an address or tls://ADDRESS#NAME)");
        var defaults = Upstreams(d.Upstreams, i => $"{Key}:Upstreams:{i}", errors);
        var domains = new Dictionary<string, IReadOnlyList<DnsUpstream>>(StringComparer.Ordinal);
        foreach (var (domain, value) in d.Domains)
        {
            string? normalized = DnsName.Normalize(domain);
            if (normalized is null or "" || normalized.Contains('*'))
            {
                errors.Add($"{Key}:Domains:{domain}: not a domain name");
                continue;
            }
            string[] parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0) errors.Add($"{Key}:Domains:{domain}: no upstream given (e.g. hq)");
            domains[normalized] = Upstreams(parts, i => $"{Key}:Domains:{domain}", errors);
        }
        var trust = new X509Certificate2Collection();
        for (int i = 0; i < d.TlsCaCertificates.Count; i++)
        {
            try { trust.ImportFromPemFile(d.TlsCaCertificates[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                errors.Add($"{Key}:TlsCaCertificates:{i}: cannot read '{d.TlsCaCertificates[i]}': {e.Message}");
            }
        }
        if (errors.Count != before) return null;
        return new Settings(lan.Address, d.Port, new DnsRoutes(defaults, domains), d.CacheSize, trust);
    }

    private static List<DnsUpstream> Upstreams(IReadOnlyList<string> specs, Func<int, string> key, List<string> errors)
    {
        var result = new List<DnsUpstream>();
        for (int i = 0; i < specs.Count; i++)
        {
            if (DnsUpstream.TryParse(specs[i], out var u, out string error)) result.Add(u);
            else errors.Add($"{key(i)}: '{specs[i]}': {error}");
        }
        return result;
    }
}

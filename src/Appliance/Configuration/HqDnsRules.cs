namespace Appliance.Configuration;

/// <summary>When a site tunnel asks HQ for its DNS servers: the LAN's DNS forwarder uses the "hq" upstream somewhere.</summary>
public static class HqDnsRules
{
    public static bool UsedByDns(DnsOptions dns) => dns.Enabled &&
        (dns.Upstreams.Any(IsHq) || dns.Domains.Values.Any(v => v.Split(',').Any(IsHq)));

    /// <summary>Only tunnels the box initiates to a fixed HQ, in tunnel mode: a remote-access or transport tunnel has no HQ resolver to give.</summary>
    public static bool Requests(ApplianceOptions options, TunnelOptions tunnel) => UsedByDns(options.Dns)
        && !RemoteAccessRules.IsRemoteAccess(tunnel) && tunnel.RemoteAddress is { } remote && remote != "%any" && tunnel.Mode != "transport";

    private static bool IsHq(string upstream) => upstream.Trim().Equals("hq", StringComparison.OrdinalIgnoreCase);
}

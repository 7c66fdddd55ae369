using System.Text.Json;
using Appliance.Configuration;
using Appliance.Control;
using Appliance.Lan.Dhcp;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>Writes "lan" into the status: the LAN address, the DHCP pool, leases and counters.</summary>
public sealed class LanStatusSection(IOptions<ApplianceOptions> options, TimeProvider time, DhcpService? dhcp = null, DnsService? dns = null,
    LocalBreakoutService? breakout = null, SiteExclusions? exclusions = null, DataPath.DataPlaneService? dataPlane = null) : IStatusSection
{
    public void Write(Utf8JsonWriter w)
    {
        var o = options.Value;
        w.WriteStartObject("lan");
        w.WriteString("interface", o.Lan.Interface);
        w.WriteString("address", o.Lan.Address);
        if (dhcp is not null) WriteDhcp(w, dhcp);
        if (dns is not null) WriteDns(w, dns);
        if (breakout is not null) w.WriteString("breakout", breakout.State);
        if (exclusions is not null) WriteExclusions(w, exclusions);
        w.WriteEndObject();
    }

    // The excluded domains and the addresses their answers named that leave locally now, each with its time left.
    private void WriteExclusions(Utf8JsonWriter w, SiteExclusions exclusions)
    {
        var now = time.GetUtcNow();
        w.WriteStartObject("exclusions");
        w.WriteStartArray("domains");
        foreach (string p in exclusions.Patterns) w.WriteStringValue(p);
        w.WriteEndArray();
        w.WriteStartArray("addresses");
        foreach (var e in dataPlane?.Excluded ?? [])
        {
            w.WriteStartObject();
            w.WriteString("address", e.Address.ToString());
            w.WriteString("domain", e.Domain);
            w.WriteNumber("expiresSeconds", Math.Max(0, (long)(e.Until - now).TotalSeconds));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("excluded", exclusions.Excluded);
        w.WriteNumber("refused", exclusions.Refused);
        w.WriteEndObject();
    }

    private static void WriteDns(Utf8JsonWriter w, DnsService dns)
    {
        var f = dns.Forwarder;
        w.WriteStartObject("dns");
        w.WriteString("listen", dns.Listen.ToString());
        w.WriteStartArray("routes");
        foreach (var (domain, upstreams) in f.Routes.Domains.OrderBy(p => p.Key, StringComparer.Ordinal).Append(new("", f.Routes.Defaults)))
        {
            w.WriteStartObject();
            w.WriteString("domain", domain.Length == 0 ? "." : domain);
            w.WriteStartArray("upstreams");
            foreach (var u in upstreams) w.WriteStringValue(u.ToString());
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("hqResolvers");
        foreach (var a in dns.HqResolvers) w.WriteStringValue(a.ToString());
        w.WriteEndArray();
        var c = f.Counters;
        w.WriteStartObject("counters");
        w.WriteNumber("queries", c.Queries);
        w.WriteNumber("cacheHits", c.CacheHits);
        w.WriteNumber("forwarded", c.Forwarded);
        w.WriteNumber("servFail", c.ServFail);
        w.WriteNumber("upstreamFailures", c.UpstreamFailures);
        w.WriteNumber("tunnelDown", c.TunnelDown);
        w.WriteNumber("truncated", c.Truncated);
        w.WriteNumber("cached", f.Cache.Count);
        w.WriteEndObject();
        WriteDrops<Appliance.Lan.Dns.DnsDrop>(w, c.Dropped);
        w.WriteEndObject();
    }

    private void WriteDhcp(Utf8JsonWriter w, DhcpService dhcp)
    {
        var now = time.GetUtcNow();
        w.WriteStartObject("dhcp");
        w.WriteString("pool", $"{dhcp.Settings.PoolStart}-{dhcp.Settings.PoolEnd}");
        w.WriteNumber("leaseSeconds", (long)dhcp.Settings.LeaseTime.TotalSeconds);
        w.WriteStartArray("leases");
        foreach (var l in dhcp.Leases().Where(l => l.State == LeaseState.Bound && l.Expires > now).OrderBy(l => Ipv4.ToUInt32(l.Address)))
        {
            w.WriteStartObject();
            w.WriteString("address", l.Address.ToString());
            w.WriteString("mac", l.Mac.ToString());
            if (l.HostName is not null) w.WriteString("hostName", l.HostName);
            w.WriteBoolean("static", dhcp.Settings.StaticLeases.ContainsKey(l.Mac));
            w.WriteNumber("expiresSeconds", (long)(l.Expires - now).TotalSeconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        var c = dhcp.Server.Counters;
        w.WriteStartObject("counters");
        w.WriteNumber("received", c.Received);
        w.WriteNumber("offers", c.Offers);
        w.WriteNumber("acks", c.Acks);
        w.WriteNumber("naks", c.Naks);
        w.WriteNumber("informs", c.Informs);
        w.WriteNumber("releases", c.Releases);
        w.WriteNumber("declines", c.Declines);
        w.WriteEndObject();
        WriteDrops<DhcpDrop>(w, c.Dropped);
        w.WriteEndObject();
    }

    // "drops": one camelCase counter per reason, zeros included so a monitor sees every name.
    private static void WriteDrops<TReason>(Utf8JsonWriter w, Func<TReason, long> count) where TReason : struct, Enum
    {
        w.WriteStartObject("drops");
        foreach (var reason in Enum.GetValues<TReason>())
        {
            string name = reason.ToString();
            w.WriteNumber(char.ToLowerInvariant(name[0]) + name[1..], count(reason));
        }
        w.WriteEndObject();
    }
}

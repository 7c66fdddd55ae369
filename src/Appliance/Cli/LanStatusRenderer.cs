using System.Text.Json;

namespace Appliance.Cli;

/// <summary>The "lan" part of `appliance status`: address, DHCP leases, DNS routes and counters.</summary>
internal static class LanStatusRenderer
{
    public static void Render(JsonElement lan, TextWriter w)
    {
        w.WriteLine($"lan: {Str(lan, "interface")} {Str(lan, "address")}");
        if (lan.TryGetProperty("dhcp", out var dhcp) && dhcp.ValueKind == JsonValueKind.Object)
        {
            var leases = dhcp.TryGetProperty("leases", out var l) && l.ValueKind == JsonValueKind.Array ? l.EnumerateArray().ToList() : [];
            w.WriteLine($"  dhcp: pool {Str(dhcp, "pool")}, {leases.Count} lease{(leases.Count == 1 ? "" : "s")}{Counters(dhcp, "counters")}{Drops(dhcp)}");
            foreach (var lease in leases)
                w.WriteLine($"    {Str(lease, "address"),-15} {Str(lease, "mac")}  {Str(lease, "hostName"),-12}" +
                            $"{(lease.TryGetProperty("static", out var s) && s.ValueKind == JsonValueKind.True ? " static" : "")}, expires in {Str(lease, "expiresSeconds")}s");
        }
        if (lan.TryGetProperty("dns", out var dns) && dns.ValueKind == JsonValueKind.Object)
        {
            w.WriteLine($"  dns: {Str(dns, "listen")}{Counters(dns, "counters")}{Drops(dns)}");
            if (dns.TryGetProperty("routes", out var routes) && routes.ValueKind == JsonValueKind.Array)
                foreach (var r in routes.EnumerateArray())
                    w.WriteLine($"    {Str(r, "domain")} via {string.Join(", ", r.GetProperty("upstreams").EnumerateArray().Select(u => u.GetString()))}");
            if (dns.TryGetProperty("hqResolvers", out var hq) && hq.ValueKind == JsonValueKind.Array)
                w.WriteLine($"    hq = {(hq.GetArrayLength() == 0 ? "(none: no tunnel up, or HQ gave none)" : string.Join(", ", hq.EnumerateArray().Select(a => a.GetString())))}");
        }
        if (lan.TryGetProperty("breakout", out var breakout) && breakout.ValueKind == JsonValueKind.String)
            w.WriteLine($"  breakout: {breakout.GetString()}");
        if (lan.TryGetProperty("exclusions", out var ex) && ex.ValueKind == JsonValueKind.Object)
        {
            var domains = ex.TryGetProperty("domains", out var d) && d.ValueKind == JsonValueKind.Array ? d.EnumerateArray().Select(x => x.GetString()) : [];
            w.WriteLine($"  exclusions: {string.Join(", ", domains)}; excluded {Str(ex, "excluded")}, refused {Str(ex, "refused")}");
            if (ex.TryGetProperty("addresses", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var a in list.EnumerateArray())
                    w.WriteLine($"    {Str(a, "address"),-15} {Str(a, "domain")}, local for {Str(a, "expiresSeconds")}s");
        }
    }

    private static string Counters(JsonElement e, string name) =>
        e.TryGetProperty(name, out var c) && c.ValueKind == JsonValueKind.Object
            ? ", " + string.Join(", ", c.EnumerateObject().Select(p => $"{p.Name} {p.Value.GetRawText()}")) : "";

    private static string Drops(JsonElement e)
    {
        if (!e.TryGetProperty("drops", out var d) || d.ValueKind != JsonValueKind.Object) return "";
        var nonZero = d.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.GetInt64() > 0).ToList();
        return nonZero.Count == 0 ? "" : "; dropped: " + string.Join(", ", nonZero.Select(p => $"{p.Name} {p.Value.GetInt64()}"));
    }

    private static string Str(JsonElement e, string name) => StatusRenderer.Str(e, name);
}

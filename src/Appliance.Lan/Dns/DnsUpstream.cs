using System.Net;

namespace Appliance.Lan.Dns;

/// <summary>One upstream choice as configured: "wan", "hq", an address ("9.9.9.9", "[2620:fe::fe]:53") or "tls://address#name".</summary>
public abstract record DnsUpstream
{
    public sealed record Wan : DnsUpstream { public override string ToString() => "wan"; }

    public sealed record Hq : DnsUpstream { public override string ToString() => "hq"; }

    public sealed record Plain(IPEndPoint EndPoint) : DnsUpstream { public override string ToString() => EndPoint.ToString(); }

    /// <summary>DNS over TLS (RFC 7858): the certificate must name <paramref name="Name"/>.</summary>
    public sealed record Tls(IPEndPoint EndPoint, string Name) : DnsUpstream { public override string ToString() => $"tls://{EndPoint}#{Name}"; }

    public const int DnsPort = 53, TlsPort = 853;

    public static bool TryParse(string text, out DnsUpstream upstream, out string error)
    {
        upstream = null!;
        error = "";
        string t = text.Trim();
        if (t.Equals("wan", StringComparison.OrdinalIgnoreCase)) { upstream = new Wan(); return true; }
        if (t.Equals("hq", StringComparison.OrdinalIgnoreCase)) { upstream = new Hq(); return true; }
        if (t.StartsWith("tls://", StringComparison.OrdinalIgnoreCase))
        {
            string rest = t[6..];
            int hash = rest.IndexOf('#');
            string? name = hash < 0 ? null : DnsName.Normalize(rest[(hash + 1)..]);
            if (name is null or "" || name.Contains('*'))
            {
                error = "DNS over TLS needs the resolver's certificate name: tls://ADDRESS#NAME (RFC 7858), e.g. tls://9.9.9.9#dns.quad9.net";
                return false;
            }
            if (!TryEndPoint(rest[..hash], TlsPort, out var tlsEndPoint)) { error = $"'{rest[..hash]}' is not an address[:port]"; return false; }
            upstream = new Tls(tlsEndPoint, name);
            return true;
        }
        if (!TryEndPoint(t, DnsPort, out var endPoint))
        {
            error = "not wan, hq, an address[:port] or tls://ADDRESS#NAME";
            return false;
        }
        upstream = new Plain(endPoint);
        return true;
    }

    private static bool TryEndPoint(string text, int defaultPort, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (IPAddress.TryParse(text, out var bare) && !text.Contains(']'))
        {
            endPoint = new IPEndPoint(bare, defaultPort);
            return true;
        }
        if (!IPEndPoint.TryParse(text, out var parsed) || parsed.Port == 0) return false;
        endPoint = parsed;
        return true;
    }
}

/// <summary>Split DNS: the upstreams for a domain and everything below it, the longest matching domain winning.</summary>
public sealed class DnsRoutes(IReadOnlyList<DnsUpstream> defaults, IReadOnlyDictionary<string, IReadOnlyList<DnsUpstream>> domains)
{
    public IReadOnlyList<DnsUpstream> Defaults { get; } = defaults;
    public IReadOnlyDictionary<string, IReadOnlyList<DnsUpstream>> Domains { get; } = domains;

    public (string Domain, IReadOnlyList<DnsUpstream> Upstreams) Route(string name)
    {
        string best = "";
        IReadOnlyList<DnsUpstream>? chosen = null;
        foreach (var (domain, upstreams) in Domains)
            if (DnsName.IsAtOrBelow(name, domain) && (chosen is null || domain.Length > best.Length))
            {
                best = domain;
                chosen = upstreams;
            }
        return chosen is null ? ("", Defaults) : (best, chosen);
    }
}

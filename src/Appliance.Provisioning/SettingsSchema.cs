using Appliance.Common;
using System.Net;

namespace Appliance.Provisioning;

/// <summary>
/// The configuration keys provisioning may set, in Microsoft.Extensions.Configuration's colon syntax
/// (case-insensitive, list elements as numeric segments), and what each value must look like.
/// </summary>
public static partial class SettingsSchema
{
    public const int MaxValueLength = 512;
    public const int MaxListLength = 64;

    private enum ValueKind { RemoteAddress, Token, InterfaceName, AbsolutePath, IpAddress, Identity, Secret, Cidr, Proposal, Choice, Duration, Count, HostCidr, DomainName, StaticLease, DnsUpstreams, Exclusion }

    private sealed record Entry(string[] Segments, ValueKind Kind, string[]? Choices = null)
    {
        public bool IsList => Segments[^1] == "#";
    }

    private const string TunnelName = "*";
    private const string DomainKey = "%";
    private const string UserKey = "@";

    private static readonly Entry[] Entries =
    [
        new(["Appliance", "Board"], ValueKind.Token),
        new(["Appliance", "Wan", "Interface"], ValueKind.InterfaceName),
        new(["Appliance", "Lan", "Interface"], ValueKind.InterfaceName),
        // The box's LAN address with its prefix (host bits set): DHCP and DNS serve from it.
        new(["Appliance", "Lan", "Address"], ValueKind.HostCidr),
        new(["Appliance", "Lan", "Address6"], ValueKind.HostCidr),
        new(["Appliance", "Lan", "LocalBreakout"], ValueKind.Choice, ["true", "false"]),
        new(["Appliance", "Dhcp", "Enabled"], ValueKind.Choice, ["true", "false"]),
        new(["Appliance", "Dhcp", "PoolStart"], ValueKind.IpAddress),
        new(["Appliance", "Dhcp", "PoolEnd"], ValueKind.IpAddress),
        new(["Appliance", "Dhcp", "LeaseTime"], ValueKind.Duration),
        new(["Appliance", "Dhcp", "StaticLeases", "#"], ValueKind.StaticLease),
        new(["Appliance", "Dhcp", "DomainName"], ValueKind.DomainName),
        new(["Appliance", "Dhcp", "SearchDomains", "#"], ValueKind.DomainName),
        new(["Appliance", "Dhcp", "DnsServers", "#"], ValueKind.IpAddress),
        new(["Appliance", "Dns", "Enabled"], ValueKind.Choice, ["true", "false"]),
        new(["Appliance", "Dns", "Upstreams", "#"], ValueKind.DnsUpstreams),
        new(["Appliance", "Dns", "Domains", DomainKey], ValueKind.DnsUpstreams),
        new(["Appliance", "Dns", "CacheSize"], ValueKind.Count),
        new(["Appliance", "Dns", "ExclusionGrace"], ValueKind.Duration),
        new(["Appliance", "Dns", "TlsCaCertificates", "#"], ValueKind.AbsolutePath),
        new(["Appliance", "Wan", "Mtu"], ValueKind.Count), // the service checks 576..9216
        new(["Appliance", "StateDirectory"], ValueKind.AbsolutePath),
        new(["Appliance", "KeyLog"], ValueKind.AbsolutePath),
        new(["Appliance", "Console", "Device"], ValueKind.AbsolutePath),
        // An address, or %any for a tunnel that only responds (remote access).
        new(["Appliance", "Tunnels", TunnelName, "RemoteAddress"], ValueKind.RemoteAddress),
        new(["Appliance", "Tunnels", TunnelName, "LocalId"], ValueKind.Identity),
        new(["Appliance", "Tunnels", TunnelName, "RemoteId"], ValueKind.Identity),
        new(["Appliance", "Tunnels", TunnelName, "Auth"], ValueKind.Choice, ["psk", "cert"]),
        new(["Appliance", "Tunnels", TunnelName, "Psk"], ValueKind.Secret),
        new(["Appliance", "Tunnels", TunnelName, "PskFile"], ValueKind.AbsolutePath),
        new(["Appliance", "Tunnels", TunnelName, "LocalTs", "#"], ValueKind.Cidr),
        new(["Appliance", "Tunnels", TunnelName, "RemoteTs", "#"], ValueKind.Cidr),
        new(["Appliance", "Tunnels", TunnelName, "Ike", "#"], ValueKind.Proposal),
        new(["Appliance", "Tunnels", TunnelName, "Esp", "#"], ValueKind.Proposal),
        new(["Appliance", "Tunnels", TunnelName, "Start"], ValueKind.Choice, ["always", "trap", "none"]),
        new(["Appliance", "Tunnels", TunnelName, "Mode"], ValueKind.Choice, ["tunnel", "transport"]),
        // The same choices the service accepts (ApplianceOptionsValidator): anything else would stop it at start.
        new(["Appliance", "Tunnels", TunnelName, "Encapsulation"], ValueKind.Choice, ["auto", "udp", "none"]),
        new(["Appliance", "Tunnels", TunnelName, "Ah", "#"], ValueKind.Proposal),
        new(["Appliance", "Tunnels", TunnelName, "Bypass", "#"], ValueKind.Cidr),
        // A subnet, an address or a domain ("zoom.us", "*.example-video.com"), as the service's ExclusionList reads them.
        new(["Appliance", "Tunnels", TunnelName, "Exclude", "#"], ValueKind.Exclusion),
        new(["Appliance", "Tunnels", TunnelName, "DpdAction"], ValueKind.Choice, ["restart", "clear", "trap"]),
        new(["Appliance", "Tunnels", TunnelName, "Certificate"], ValueKind.AbsolutePath),
        new(["Appliance", "Tunnels", TunnelName, "PrivateKey"], ValueKind.AbsolutePath),
        new(["Appliance", "Tunnels", TunnelName, "CaCertificates", "#"], ValueKind.AbsolutePath),
        new(["Appliance", "Tunnels", TunnelName, "RekeyTime"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "LifeTime"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "IkeRekeyTime"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "IkeLifeTime"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "Inactivity"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "RekeyBytes"], ValueKind.Count),
        new(["Appliance", "Tunnels", TunnelName, "LifeBytes"], ValueKind.Count),
        new(["Appliance", "Tunnels", TunnelName, "RekeyPackets"], ValueKind.Count),
        new(["Appliance", "Tunnels", TunnelName, "LifePackets"], ValueKind.Count),
        // Remote access (RemoteAuth eap-mschapv2): pools, DNS to hand out, guessing protection; the service checks the rest.
        new(["Appliance", "Tunnels", TunnelName, "RemoteAuth"], ValueKind.Choice, ["eap-mschapv2"]),
        new(["Appliance", "Tunnels", TunnelName, "Pool"], ValueKind.Cidr),
        new(["Appliance", "Tunnels", TunnelName, "Pool6"], ValueKind.Cidr),
        new(["Appliance", "Tunnels", TunnelName, "Dns", "#"], ValueKind.IpAddress),
        new(["Appliance", "Tunnels", TunnelName, "DnsDomains", "#"], ValueKind.DomainName),
        new(["Appliance", "Tunnels", TunnelName, "MaxLoginFailures"], ValueKind.Count),
        new(["Appliance", "Tunnels", TunnelName, "LockOut"], ValueKind.Duration),
        new(["Appliance", "Tunnels", TunnelName, "ClientProfile"], ValueKind.Choice, ["standard", "weak-windows-stock"]),
        // L2TP/IPsec for the built-in Windows/macOS clients (issue 16); the service checks the rest (pool size and overlap).
        new(["Appliance", "L2tp", "Enabled"], ValueKind.Choice, ["true", "false"]),
        new(["Appliance", "L2tp", "Psk"], ValueKind.Secret),
        new(["Appliance", "L2tp", "PskFile"], ValueKind.AbsolutePath),
        new(["Appliance", "L2tp", "Pool"], ValueKind.Cidr),
        new(["Appliance", "L2tp", "Dns", "#"], ValueKind.IpAddress),
        new(["Appliance", "L2tp", "MaxLoginFailures"], ValueKind.Count),
        new(["Appliance", "L2tp", "LockOut"], ValueKind.Duration),
        // Remote-access users: write-only secrets, like Psk.
        new(["Appliance", "Users", UserKey, "Password"], ValueKind.Secret),
        new(["Appliance", "Users", UserKey, "NtHash"], ValueKind.Secret),
        new(["Appliance", "Ike", "RekeyTime"], ValueKind.Duration),
        new(["Appliance", "Ike", "IkeRekeyTime"], ValueKind.Duration),
        new(["Appliance", "Ike", "Dpd"], ValueKind.Duration),
        new(["Appliance", "Ike", "GatewayProbeInterval"], ValueKind.Duration),
        new(["Appliance", "Ike", "GatewayProbeTimeout"], ValueKind.Duration),
        new(["Appliance", "Ike", "GatewayFailBackAfter"], ValueKind.Duration),
        new(["Appliance", "Ike", "GatewayResolveInterval"], ValueKind.Duration),
        // IKE fragmentation (RFC 7383) for paths that drop IP fragments; the service checks the 576..65535 range.
        new(["Appliance", "Ike", "Fragmentation"], ValueKind.Choice, ["true", "false"]),
        new(["Appliance", "Ike", "FragmentSize"], ValueKind.Count),
        // Responder bounds against floods (issue 18); the service checks the ranges.
        new(["Appliance", "Ike", "CookieThreshold"], ValueKind.Count),
        new(["Appliance", "Ike", "HalfOpenLimit"], ValueKind.Count),
        new(["Appliance", "Ike", "HalfOpenPerSource"], ValueKind.Count),
    ];


    /// <summary>A key that names one value (a scalar or one list element), canonically spelled.</summary>
    public readonly record struct ValueKey(string Canonical, bool IsSecret, bool IsListElement)
    {
        public string ListKey => IsListElement ? Canonical[..Canonical.LastIndexOf(':')] : Canonical;
    }

    /// <summary>
    /// Resolves a key typed by the operator. A list key without index (…:LocalTs) resolves with
    /// <paramref name="isWholeList"/> set; the caller then treats the value as a comma-separated list.
    /// </summary>
    public static bool TryResolve(string key, out ValueKey resolved, out bool isWholeList)
    {
        resolved = default;
        isWholeList = false;
        if (key.Length is 0 or > 256) return false;
        string[] parts = key.Split(':');
        foreach (Entry entry in Entries)
        {
            if (parts.Length == entry.Segments.Length && TryMatch(entry, parts, out string canonical))
            {
                resolved = new ValueKey(canonical, entry.Kind == ValueKind.Secret, entry.IsList);
                return true;
            }
            if (entry.IsList && parts.Length == entry.Segments.Length - 1 &&
                TryMatch(entry, [.. parts, "0"], out string element))
            {
                resolved = new ValueKey(element, false, true);
                isWholeList = true;
                return true;
            }
        }
        return false;
    }

    /// <summary>Null if the value is acceptable for the key, else why not (never echoing a secret).</summary>
    public static string? ValidateValue(string canonicalKey, string value)
    {
        Entry? entry = FindEntry(canonicalKey);
        if (entry is null) return "unknown key";
        if (value.Length == 0) return "empty value";
        if (value.Length > MaxValueLength) return $"longer than {MaxValueLength} characters";
        foreach (char c in value)
            if (c < 0x20 || c > 0x7E) return "non-printable character";
        return entry.Kind switch
        {
            // %any, or gateways: addresses and host names, comma-separated ("gw1.example.com, 198.51.100.7").
            ValueKind.RemoteAddress => value == "%any" || value.Split(',', StringSplitOptions.TrimEntries).All(g =>
                IPAddress.TryParse(g, out _) || TextShape.IsHostName(g)) ? null : "not an IP address, a host name or a comma-separated list of them",
            ValueKind.Token => TextShape.IsToken(value) ? null : "not a name (letters, digits, . _ -)",
            ValueKind.InterfaceName => TextShape.IsInterfaceName(value) ? null : "not an interface name (1-15 of letters, digits, . _ -)",
            ValueKind.AbsolutePath => value.StartsWith('/') && !value.Contains("/../") && !value.EndsWith("/..") ? null : "not an absolute path",
            ValueKind.IpAddress => IPAddress.TryParse(value, out _) ? null : "not an IP address",
            ValueKind.Identity => value.Trim().Length == value.Length ? null : "leading or trailing blanks",
            ValueKind.Secret => null,
            ValueKind.Cidr => ValidateCidr(value),
            ValueKind.HostCidr => ValidateHostCidr(value),
            ValueKind.Proposal => TextShape.IsProposal(value) ? null : "not a proposal (algorithms joined by '-')",
            ValueKind.Choice => Array.IndexOf(entry.Choices!, value.ToLowerInvariant()) >= 0
                ? null : "must be one of " + string.Join('|', entry.Choices!),
            // As the service binds TimeSpan: [d.]hh:mm:ss, never negative ("00:00:00" turns a timer off).
            ValueKind.Duration => TimeSpan.TryParseExact(value, ["c"], System.Globalization.CultureInfo.InvariantCulture, out TimeSpan t) && t >= TimeSpan.Zero
                ? null : "not a duration ([d.]hh:mm:ss, e.g. 01:00:00)",
            ValueKind.DomainName => TextShape.IsDomainName(value) ? null : "not a domain name",
            ValueKind.StaticLease => TextShape.IsStaticLease(value) && IPAddress.TryParse(value[(value.IndexOf('=') + 1)..], out _)
                ? null : "not MAC=IPv4 (e.g. 52:54:00:12:34:56=192.168.1.20)",
            ValueKind.DnsUpstreams => TextShape.IsUpstreamList(value) ? null : "not wan, hq, an address[:port] or tls://ADDRESS#NAME",
            ValueKind.Exclusion => IPAddress.TryParse(value, out _) || ValidateCidr(value) is null
                || (value.StartsWith("*.", StringComparison.Ordinal) ? TextShape.IsDomainName(value[2..]) : TextShape.IsDomainName(value))
                ? null : "not a subnet, an address or a domain (zoom.us, *.example.com)",
            ValueKind.Count => long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
                ? null : "not a whole number (digits only)",
            _ => "unknown key",
        };
    }

    /// <summary>Choice values are stored lower-case; everything else as given.</summary>
    public static string Normalize(string canonicalKey, string value) =>
        FindEntry(canonicalKey)?.Kind == ValueKind.Choice ? value.ToLowerInvariant() : value;

    public static bool IsSecret(string canonicalKey) => FindEntry(canonicalKey)?.Kind == ValueKind.Secret;

    /// <summary>address/prefix with every host bit zero: a selector such as 192.168.1.1/24 is a typo.</summary>
    /// <summary>An address with its prefix length, host bits set (the service checks family and host part).</summary>
    private static string? ValidateHostCidr(string value) =>
        Common.InterfaceAddress.TryParse(value, out _) ? null : "not address/prefix (e.g. 192.168.1.1/24)";

    private static string? ValidateCidr(string value)
    {
        const string problem = "not a CIDR (address/prefix, host bits zero)";
        int slash = value.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(value.AsSpan(0, slash), out IPAddress? address)) return problem;
        ReadOnlySpan<char> prefixText = value.AsSpan(slash + 1);
        if (prefixText.Length is 0 or > 3 || !int.TryParse(prefixText, System.Globalization.NumberStyles.None, null, out int prefix))
            return problem;
        byte[] bytes = address.GetAddressBytes();
        if (prefix > bytes.Length * 8) return problem;
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) return problem;
        return null;
    }

    private static Entry? FindEntry(string key)
    {
        string[] parts = key.Split(':');
        foreach (Entry entry in Entries)
            if (parts.Length == entry.Segments.Length && TryMatch(entry, parts, out _))
                return entry;
        return null;
    }

    private static bool TryMatch(Entry entry, string[] parts, out string canonical)
    {
        canonical = "";
        var segments = new string[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string pattern = entry.Segments[i];
            string part = parts[i];
            if (pattern == DomainKey)
            {
                if (!TextShape.IsDomainName(part)) return false;
                segments[i] = part.ToLowerInvariant();
            }
            else if (pattern == UserKey)
            {
                if (!TextShape.IsUserName(part)) return false;
                segments[i] = part;
            }
            else if (pattern == TunnelName)
            {
                if (!TextShape.IsTunnelName(part)) return false;
                segments[i] = part;
            }
            else if (pattern == "#")
            {
                if (!int.TryParse(part, System.Globalization.NumberStyles.None, null, out int index) ||
                    index >= MaxListLength || index.ToString(System.Globalization.CultureInfo.InvariantCulture) != part)
                    return false;
                segments[i] = part;
            }
            else
            {
                if (!string.Equals(pattern, part, StringComparison.OrdinalIgnoreCase)) return false;
                segments[i] = pattern;
            }
        }
        canonical = string.Join(':', segments);
        return true;
    }
}

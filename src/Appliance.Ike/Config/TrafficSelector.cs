using System.Net;
using System.Net.Sockets;

namespace Appliance.Ike;

/// <summary>
/// One traffic selector (RFC 7296 §3.13.1): an inclusive address range, an IP protocol (0 = any)
/// and an inclusive port range.
/// </summary>
public readonly record struct TrafficSelector(IPAddress StartAddress, IPAddress EndAddress, byte IpProtocol = 0,
    ushort StartPort = 0, ushort EndPort = ushort.MaxValue)
{
    public AddressFamily AddressFamily => StartAddress.AddressFamily;

    /// <summary>TS Type on the wire: TS_IPV4_ADDR_RANGE (7) or TS_IPV6_ADDR_RANGE (8).</summary>
    public byte TsType => AddressFamily == AddressFamily.InterNetwork ? (byte)7 : (byte)8;

    /// <summary>
    /// Parses "192.168.1.0/24", "10.0.0.1", "10.0.0.1-10.0.0.9", "::/0", each optionally followed by
    /// strongSwan's "[proto/port]" e.g. "10.0.0.0/8[tcp/443]", "[udp]", "[17/1000-2000]".
    /// </summary>
    public static TrafficSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        byte proto = 0;
        ushort startPort = 0, endPort = ushort.MaxValue;
        int bracket = t.IndexOf('[');
        if (bracket >= 0)
        {
            if (!t.EndsWith(']'))
                throw new ArgumentException($"traffic selector '{text}': missing ']'", nameof(text));
            ParseProtoPort(text, t[(bracket + 1)..^1], out proto, out startPort, out endPort);
            t = t[..bracket];
        }
        IPAddress start, end;
        int slash = t.IndexOf('/');
        int dash = t.IndexOf('-');
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(t[..slash], out IPAddress? net) || !int.TryParse(t[(slash + 1)..], out int prefix))
                throw new ArgumentException($"traffic selector '{text}': expected address/prefix", nameof(text));
            int bits = net.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (prefix < 0 || prefix > bits)
                throw new ArgumentException($"traffic selector '{text}': prefix length {prefix} out of range 0..{bits}", nameof(text));
            (start, end) = AddressMath.PrefixRange(net, prefix);
        }
        else if (dash >= 0)
        {
            if (!IPAddress.TryParse(t[..dash], out IPAddress? a) || !IPAddress.TryParse(t[(dash + 1)..], out IPAddress? b))
                throw new ArgumentException($"traffic selector '{text}': expected start-end addresses", nameof(text));
            if (a.AddressFamily != b.AddressFamily || AddressMath.Compare(a, b) > 0)
                throw new ArgumentException($"traffic selector '{text}': range start must not exceed end and both must be of one family", nameof(text));
            (start, end) = (a, b);
        }
        else
        {
            if (!IPAddress.TryParse(t, out IPAddress? host))
                throw new ArgumentException($"traffic selector '{text}': not an address", nameof(text));
            (start, end) = (host, host);
        }
        return new TrafficSelector(start, end, proto, startPort, endPort);
    }

    private static void ParseProtoPort(string text, string spec, out byte proto, out ushort startPort, out ushort endPort)
    {
        proto = 0; startPort = 0; endPort = ushort.MaxValue;
        string[] parts = spec.Split('/', 2);
        string p = parts[0].Trim().ToLowerInvariant();
        proto = p switch
        {
            "" or "any" or "%any" => 0,
            "icmp" => 1,
            "tcp" => 6,
            "udp" => 17,
            "icmp6" or "ipv6-icmp" => 58,
            _ when byte.TryParse(p, out byte n) => n,
            _ => throw new ArgumentException($"traffic selector '{text}': unknown protocol '{parts[0]}'", nameof(text)),
        };
        if (parts.Length < 2 || parts[1] is "" or "%any")
            return;
        string ports = parts[1];
        int dash = ports.IndexOf('-');
        if (dash < 0)
        {
            if (!ushort.TryParse(ports, out startPort))
                throw new ArgumentException($"traffic selector '{text}': bad port '{ports}'", nameof(text));
            endPort = startPort;
        }
        else if (!ushort.TryParse(ports[..dash], out startPort) || !ushort.TryParse(ports[(dash + 1)..], out endPort) || startPort > endPort)
        {
            throw new ArgumentException($"traffic selector '{text}': bad port range '{ports}'", nameof(text));
        }
    }

    /// <summary>The narrowed selector contained in both, or null if they do not overlap (RFC 7296 §2.9).</summary>
    public TrafficSelector? Intersect(TrafficSelector other)
    {
        if (other.AddressFamily != AddressFamily)
            return null;
        byte proto;
        if (IpProtocol == 0) proto = other.IpProtocol;
        else if (other.IpProtocol == 0 || other.IpProtocol == IpProtocol) proto = IpProtocol;
        else return null;
        IPAddress start = AddressMath.Compare(StartAddress, other.StartAddress) >= 0 ? StartAddress : other.StartAddress;
        IPAddress end = AddressMath.Compare(EndAddress, other.EndAddress) <= 0 ? EndAddress : other.EndAddress;
        if (AddressMath.Compare(start, end) > 0)
            return null;
        ushort sp = Math.Max(StartPort, other.StartPort);
        ushort ep = Math.Min(EndPort, other.EndPort);
        if (sp > ep)
            return null;
        return new TrafficSelector(start, end, proto, sp, ep);
    }

    /// <summary>True when every packet this selector matches is also matched by <paramref name="outer"/>.</summary>
    public bool IsSubsetOf(TrafficSelector outer) =>
        outer.AddressFamily == AddressFamily
        && (outer.IpProtocol == 0 || outer.IpProtocol == IpProtocol)
        && AddressMath.Compare(StartAddress, outer.StartAddress) >= 0
        && AddressMath.Compare(EndAddress, outer.EndAddress) <= 0
        && StartPort >= outer.StartPort && EndPort <= outer.EndPort;

    public override string ToString()
    {
        string addr = AddressMath.TryGetPrefix(StartAddress, EndAddress, out int prefix)
            ? $"{StartAddress}/{prefix}"
            : $"{StartAddress}-{EndAddress}";
        if (IpProtocol == 0 && StartPort == 0 && EndPort == ushort.MaxValue)
            return addr;
        string ports = StartPort == 0 && EndPort == ushort.MaxValue ? "" : StartPort == EndPort ? $"/{StartPort}" : $"/{StartPort}-{EndPort}";
        return $"{addr}[{IpProtocol}{ports}]";
    }
}

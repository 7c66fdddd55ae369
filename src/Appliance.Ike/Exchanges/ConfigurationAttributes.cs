using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>CFG Type (RFC 7296 §3.15).</summary>
internal enum CfgType : byte { Request = 1, Reply = 2, Set = 3, Ack = 4 }

/// <summary>Configuration attribute types (RFC 7296 §3.15.1; INTERNAL_DNS_DOMAIN from RFC 8598 §4).</summary>
internal enum CfgAttribute : ushort
{
    InternalIp4Address = 1,
    InternalIp4Netmask = 2,
    InternalIp4Dns = 3,
    InternalIp6Address = 8,
    InternalIp6Dns = 10,
    InternalDnsDomain = 25,
}

/// <summary>What a client asked for in its CFG_REQUEST.</summary>
internal readonly record struct CfgRequest(bool Ip4, bool Netmask, bool Dns4, bool Ip6, bool Dns6, bool Domains);

/// <summary>
/// Building and reading the remote-access configuration payloads (RFC 7296 §2.19, §3.15; RFC 8598). Attribute values are
/// length-checked before use; a value of the wrong size is ignored, not trusted.
/// </summary>
internal static class ConfigurationAttributes
{
    public static CfgRequest ReadRequest(ConfigurationPayload cp)
    {
        bool Has(CfgAttribute a) => cp.Attributes.Any(x => x.Type == (ushort)a);
        return new CfgRequest(Has(CfgAttribute.InternalIp4Address), Has(CfgAttribute.InternalIp4Netmask), Has(CfgAttribute.InternalIp4Dns),
            Has(CfgAttribute.InternalIp6Address), Has(CfgAttribute.InternalIp6Dns), Has(CfgAttribute.InternalDnsDomain));
    }

    /// <summary>
    /// CFG_REPLY with the addresses given and the DNS settings the client asked for. The netmask, when asked for, is
    /// 255.255.255.255: the client holds a host address and reaches networks through its Child SA's selectors.
    /// </summary>
    public static ConfigurationPayload Reply(CfgRequest request, IPAddress? ip4, IPAddress? ip6, int ip6Prefix, RemoteAccessConfig ra)
    {
        var attributes = new List<(ushort, byte[])>();
        if (ip4 is not null)
        {
            attributes.Add(((ushort)CfgAttribute.InternalIp4Address, ip4.GetAddressBytes()));
            if (request.Netmask)
                attributes.Add(((ushort)CfgAttribute.InternalIp4Netmask, [255, 255, 255, 255]));
        }
        if (ip6 is not null)
            attributes.Add(((ushort)CfgAttribute.InternalIp6Address, [.. ip6.GetAddressBytes(), (byte)ip6Prefix]));
        if (request.Dns4)
            foreach (IPAddress dns in ra.Dns.Where(d => d.AddressFamily == AddressFamily.InterNetwork))
                attributes.Add(((ushort)CfgAttribute.InternalIp4Dns, dns.GetAddressBytes()));
        if (request.Dns6)
            foreach (IPAddress dns in ra.Dns.Where(d => d.AddressFamily == AddressFamily.InterNetworkV6))
                attributes.Add(((ushort)CfgAttribute.InternalIp6Dns, dns.GetAddressBytes()));
        // RFC 8598 §3.1: split-DNS domains only to a client that asked for them.
        if (request.Domains)
            foreach (string domain in ra.DnsDomains)
                attributes.Add(((ushort)CfgAttribute.InternalDnsDomain, Encoding.ASCII.GetBytes(domain.TrimEnd('.'))));
        return new ConfigurationPayload((byte)CfgType.Reply, attributes);
    }

    /// <summary>A client's CFG_REQUEST: empty attributes ask the responder to choose (§3.15.1).</summary>
    public static ConfigurationPayload Request(bool ip4, bool ip6)
    {
        var attributes = new List<(ushort, byte[])>();
        if (ip4)
        {
            attributes.Add(((ushort)CfgAttribute.InternalIp4Address, []));
            attributes.Add(((ushort)CfgAttribute.InternalIp4Dns, []));
        }
        if (ip6)
        {
            attributes.Add(((ushort)CfgAttribute.InternalIp6Address, []));
            attributes.Add(((ushort)CfgAttribute.InternalIp6Dns, []));
        }
        attributes.Add(((ushort)CfgAttribute.InternalDnsDomain, []));
        return new ConfigurationPayload((byte)CfgType.Request, attributes);
    }

    /// <summary>A site tunnel's CFG_REQUEST for HQ's DNS servers (see <see cref="IkeTunnelConfig.RequestDns"/>).</summary>
    public static ConfigurationPayload SiteDnsRequest() => new((byte)CfgType.Request,
    [
        ((ushort)CfgAttribute.InternalIp4Address, []),
        ((ushort)CfgAttribute.InternalIp4Dns, []),
        ((ushort)CfgAttribute.InternalIp6Dns, []),
        ((ushort)CfgAttribute.InternalDnsDomain, []),
    ]);

    public static VirtualAddressAssignment ReadReply(ConfigurationPayload cp)
    {
        var addresses = new List<IPAddress>();
        var dns = new List<IPAddress>();
        var domains = new List<string>();
        foreach ((ushort type, byte[] value) in cp.Attributes)
        {
            switch ((CfgAttribute)type)
            {
                case CfgAttribute.InternalIp4Address when value.Length == 4:
                case CfgAttribute.InternalIp6Address when value.Length == 17:
                    addresses.Add(new IPAddress(value.AsSpan(0, value.Length == 4 ? 4 : 16)));
                    break;
                case CfgAttribute.InternalIp4Dns when value.Length == 4:
                case CfgAttribute.InternalIp6Dns when value.Length == 16:
                    dns.Add(new IPAddress(value));
                    break;
                case CfgAttribute.InternalDnsDomain when value.Length is > 0 and <= 253 && value.All(b => b is > 0x20 and < 0x7f):
                    domains.Add(Encoding.ASCII.GetString(value));
                    break;
            }
        }
        return new VirtualAddressAssignment(addresses, dns, domains);
    }
}

using Appliance.Common;
using System.Net;
using Appliance.Configuration;
using Appliance.Linux.Routing;
using Appliance.Lan.Dhcp;
using Appliance.Lan.Dns;

namespace Appliance.LanServices;

/// <summary>Turns Appliance:Dhcp and Appliance:Lan:Address into server settings, naming each bad key.</summary>
public static class DhcpSettingsFactory
{
    private const string Key = "Appliance:Dhcp";

    /// <summary>The settings, or null with the problems added to <paramref name="errors"/>.</summary>
    public static DhcpServerSettings? Build(ApplianceOptions o, List<string> errors)
    {
        var d = o.Dhcp;
        int before = errors.Count;
        if (o.Lan.Interface is null) errors.Add($"{Key}:Enabled: the DHCP server needs Appliance:Lan:Interface");
        if (!InterfaceAddress.TryParse(o.Lan.Address, out var lan) || lan.Address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            errors.Add($"Appliance:Lan:Address: the DHCP server needs the box's IPv4 LAN address with its prefix, e.g. 192.168.1.1/24 (got '{o.Lan.Address}')");
            return null;
        }
        var statics = new Dictionary<MacAddress, IPAddress>();
        for (int i = 0; i < d.StaticLeases.Count; i++)
        {
            string[] parts = d.StaticLeases[i].Split('=', 2);
            if (parts.Length != 2 || !MacAddress.TryParse(parts[0].Trim(), out var mac) || !IPAddress.TryParse(parts[1].Trim(), out var ip))
                errors.Add($"{Key}:StaticLeases:{i}: '{d.StaticLeases[i]}' is not MAC=IPv4, e.g. 52:54:00:12:34:56=192.168.1.20");
            else if (!statics.TryAdd(mac, ip))
                errors.Add($"{Key}:StaticLeases:{i}: {mac} has two static leases");
        }
        string? domain = null;
        if (d.DomainName is not null && (domain = DnsName.Normalize(d.DomainName)) is null or "")
            errors.Add($"{Key}:DomainName: '{d.DomainName}' is not a domain name");
        var search = new List<string>();
        for (int i = 0; i < d.SearchDomains.Count; i++)
        {
            if (DnsName.Normalize(d.SearchDomains[i]) is { Length: > 0 } s && !s.Contains('*')) search.Add(s);
            else errors.Add($"{Key}:SearchDomains:{i}: '{d.SearchDomains[i]}' is not a domain name");
        }
        var dns = new List<IPAddress>();
        for (int i = 0; i < d.DnsServers.Count; i++)
        {
            if (IPAddress.TryParse(d.DnsServers[i], out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) dns.Add(a);
            else errors.Add($"{Key}:DnsServers:{i}: '{d.DnsServers[i]}' is not an IPv4 address");
        }
        if (dns.Count == 0 && o.Dns.Enabled) dns.Add(lan.Address);

        var (defaultStart, defaultEnd) = DefaultPool(lan);
        var settings = new DhcpServerSettings
        {
            ServerAddress = lan.Address,
            PrefixLength = lan.PrefixLength,
            PoolStart = Address(d.PoolStart, "PoolStart", defaultStart, errors),
            PoolEnd = Address(d.PoolEnd, "PoolEnd", defaultEnd, errors),
            LeaseTime = d.LeaseTime,
            StaticLeases = statics,
            Routers = [lan.Address],
            DnsServers = dns,
            DomainName = domain,
            SearchDomains = search,
        };
        foreach (var (setting, problem) in settings.Problems())
                errors.Add(setting == "Address" ? $"Appliance:Lan:Address: {problem}" : $"{Key}:{setting}: {problem}");
        return errors.Count == before ? settings : null;
    }

    /// <summary>The upper half of the subnet's hosts: the lower half stays for fixed addresses (printers, servers).</summary>
    private static (IPAddress Start, IPAddress End) DefaultPool(InterfaceAddress lan)
    {
        if (lan.PrefixLength is < 8 or > 30) return (IPAddress.Any, IPAddress.Any);
        uint mask = uint.MaxValue << (32 - lan.PrefixLength), network = Ipv4.ToUInt32(lan.Address) & mask;
        uint size = ~mask + 1, box = Ipv4.ToUInt32(lan.Address);
        uint start = network + size / 2, end = network + size - 2;
        if (end == box) end--;
        if (start == box) start++;
        return (Ipv4.FromUInt32(start), Ipv4.FromUInt32(end));
    }

    private static IPAddress Address(string? text, string setting, IPAddress fallback, List<string> errors)
    {
        if (text is null) return fallback;
        if (IPAddress.TryParse(text, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return a;
        errors.Add($"{Key}:{setting}: '{text}' is not an IPv4 address");
        return fallback;
    }
}

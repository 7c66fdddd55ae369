using System.Net;
using Appliance.Lan.Dns;

namespace Appliance.Configuration;

/// <summary>A tunnel's Exclude list split into subnets and domain patterns; an entry that is neither is an error by key.</summary>
public static class ExclusionList
{
    public static (List<IPNetwork> Prefixes, List<DomainPattern> Domains) Parse(TunnelOptions tunnel, string key, List<string>? errors)
    {
        var prefixes = new List<IPNetwork>();
        var domains = new List<DomainPattern>();
        for (int i = 0; i < tunnel.Exclude.Count; i++)
        {
            string entry = tunnel.Exclude[i];
            if (IPNetwork.TryParse(entry, out var prefix)) prefixes.Add(prefix);
            else if (IPAddress.TryParse(entry, out var address)) prefixes.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            else if (DomainPattern.TryParse(entry, out var domain)) domains.Add(domain);
            else errors?.Add($"{key}:Exclude:{i}: '{entry}' is neither a subnet (CIDR or address) nor a domain (zoom.us, *.example.com)");
        }
        return (prefixes, domains);
    }
}

using System.Net;

namespace Appliance.Lan.Dns;

/// <summary>
/// The "nameserver" lines of a resolv.conf (resolv.conf(5)). For "wan" the forwarder reads systemd-resolved's
/// /run/systemd/resolve/resolv.conf: the uplink servers networkd learned from the WAN's DHCP lease, never the
/// 127.0.0.53 stub (which would loop back to whatever resolves for the box itself).
/// </summary>
public static class ResolvConf
{
    public static List<IPAddress> Parse(string text)
    {
        var servers = new List<IPAddress>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("nameserver", StringComparison.Ordinal)) continue;
            string[] parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            // A zone index (fe80::1%eth0) is allowed by glibc; IPAddress parses it too.
            if (parts.Length >= 2 && IPAddress.TryParse(parts[1], out var a) && !IPAddress.IsLoopback(a)) servers.Add(a);
        }
        return servers;
    }
}

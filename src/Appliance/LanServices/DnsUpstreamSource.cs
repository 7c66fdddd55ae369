using System.Net;
using Appliance.Lan.Dns;

namespace Appliance.LanServices;

/// <summary>
/// "wan": the nameservers of the resolv.conf systemd-resolved keeps for the WAN's DHCP lease (read again when it
/// changes); "hq": the DNS servers tunnels received in IKE_AUTH's configuration payload, while they are up.
/// </summary>
public sealed class DnsUpstreamSource(string wanResolvConf, HqDnsServers hq) : IDnsUpstreamSource
{
    private readonly object _gate = new();
    private DateTime _readAt;
    private IReadOnlyList<IPAddress> _wan = [];

    public IReadOnlyList<IPAddress> WanResolvers()
    {
        lock (_gate)
        {
            try
            {
                var modified = File.GetLastWriteTimeUtc(wanResolvConf);
                if (modified != _readAt)
                {
                    _wan = ResolvConf.Parse(File.ReadAllText(wanResolvConf));
                    _readAt = modified;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _wan = [];
                _readAt = default;
            }
            return _wan;
        }
    }

    public IReadOnlyList<IPAddress> HqResolvers() => hq.Current();
}

/// <summary>HQ's DNS servers per tunnel, as the IKE service learns them (set when a tunnel comes up, cleared when it goes).</summary>
public sealed class HqDnsServers
{
    private readonly object _gate = new();
    private readonly Dictionary<string, IReadOnlyList<IPAddress>> _byTunnel = new(StringComparer.Ordinal);

    public void Set(string tunnel, IReadOnlyList<IPAddress> servers)
    {
        lock (_gate)
        {
            if (servers.Count == 0) _byTunnel.Remove(tunnel);
            else _byTunnel[tunnel] = servers;
        }
    }

    public IReadOnlyList<IPAddress> Current()
    {
        lock (_gate) return [.. _byTunnel.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value)];
    }
}

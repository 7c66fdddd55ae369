using System.Net;
using System.Net.Sockets;

namespace Appliance.Configuration;

/// <summary>What Appliance:L2tp must hold when enabled, and the values the service derives from it.</summary>
public static class L2tpRules
{
    public const string Section = ApplianceOptions.SectionName + ":L2tp";

    /// <summary>The name the L2TP clients' SAs and the data plane's local-service tunnel go by.</summary>
    public const string TunnelName = "l2tp";

    public static void Validate(List<string> errors, ApplianceOptions options)
    {
        var l2tp = options.L2tp;
        if (!l2tp.Enabled) return;
        bool inline = !string.IsNullOrEmpty(l2tp.Psk), file = !string.IsNullOrEmpty(l2tp.PskFile);
        if (inline == file)
            errors.Add($"{Section}:Psk: set exactly one of Psk and PskFile");
        else if (file && !File.Exists(l2tp.PskFile))
            errors.Add($"{Section}:PskFile: '{l2tp.PskFile}' does not exist");
        else if (inline && l2tp.Psk!.Length < 8)
            errors.Add($"{Section}:Psk: at least 8 characters (clients type it; a longer one resists guessing better)");
        if (string.IsNullOrEmpty(options.Lan.Interface))
            errors.Add($"{Section}:Enabled: L2TP clients reach the office LAN, so Appliance:Lan:Interface must be set");
        if (options.Tunnels.ContainsKey(TunnelName))
            errors.Add($"Appliance:Tunnels:{TunnelName}: the name is L2TP/IPsec's while {Section}:Enabled is true; rename the tunnel");
        if (Pool(l2tp) is not { } pool)
            errors.Add($"{Section}:Pool: required, an IPv4 CIDR of at least 4 addresses (got '{l2tp.Pool}')");
        else
        {
            if (LanNetwork(options) is { } lan && (lan.Contains(pool.BaseAddress) || pool.Contains(lan.BaseAddress)))
                errors.Add($"{Section}:Pool: {pool} overlaps the LAN {lan}; the clients are routed, so give them their own subnet");
            foreach (var (name, t) in options.Tunnels)
                if (t.Pool is { } other && IPNetwork.TryParse(other, out var o) && (o.Contains(pool.BaseAddress) || pool.Contains(o.BaseAddress)))
                    errors.Add($"{Section}:Pool: {pool} overlaps Appliance:Tunnels:{name}:Pool {o}");
        }
        for (int i = 0; i < l2tp.Dns.Count; i++)
            if (!IPAddress.TryParse(l2tp.Dns[i], out var dns) || dns.AddressFamily != AddressFamily.InterNetwork)
                errors.Add($"{Section}:Dns:{i}: '{l2tp.Dns[i]}' is not an IPv4 address (IPCP hands out IPv4 only)");
        if (l2tp.Dns.Count > 2)
            errors.Add($"{Section}:Dns: IPCP carries two DNS servers (RFC 1877), {l2tp.Dns.Count} given");
        if (l2tp.MaxLoginFailures is < 1 or > 100)
            errors.Add($"{Section}:MaxLoginFailures: {l2tp.MaxLoginFailures} is outside 1..100");
        if (l2tp.LockOut is { } lockOut && (lockOut < TimeSpan.Zero || lockOut > TimeSpan.FromDays(1)))
            errors.Add($"{Section}:LockOut: {lockOut} is outside 0..1.00:00:00");
    }

    public static IPNetwork? Pool(L2tpOptions l2tp) =>
        IPNetwork.TryParse(l2tp.Pool ?? "", out var pool) && pool.BaseAddress.AddressFamily == AddressFamily.InterNetwork && pool.PrefixLength <= 30
            ? pool : null;

    /// <summary>The office LAN's network from Appliance:Lan:Address (host CIDR), or null.</summary>
    public static IPNetwork? LanNetwork(ApplianceOptions options) =>
        Common.InterfaceAddress.TryParse(options.Lan.Address, out var lan) ? lan.Network : null;

    /// <summary>The LAN address itself (Appliance:Lan:Address without its prefix), or null.</summary>
    public static IPAddress? LanAddress(ApplianceOptions options) =>
        Common.InterfaceAddress.TryParse(options.Lan.Address, out var lan) ? lan.Address : null;

    /// <summary>DNS servers for the clients: the configured ones, else the box's LAN address when the DNS forwarder runs there.</summary>
    public static IReadOnlyList<IPAddress> DnsServers(ApplianceOptions options)
    {
        if (options.L2tp.Dns.Count > 0) return [.. options.L2tp.Dns.Select(IPAddress.Parse)];
        return options.Dns.Enabled && LanAddress(options) is { } lan ? [lan] : [];
    }

    public static byte[] PreSharedKey(L2tpOptions l2tp) =>
        System.Text.Encoding.UTF8.GetBytes(!string.IsNullOrEmpty(l2tp.Psk) ? l2tp.Psk : File.ReadAllText(l2tp.PskFile!).TrimEnd('\r', '\n'));
}

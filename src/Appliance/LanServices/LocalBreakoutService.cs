using System.Net;
using System.Net.Sockets;
using Appliance.Common;
using Appliance.Configuration;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>
/// Owns the local breakout's nftables table (<see cref="LocalBreakout"/>): made at start from the LAN's subnets (the LAN
/// address's network and the site tunnels' LocalTs) and the WAN NIC, or removed when Appliance:Lan:LocalBreakout is off.
/// A failure (nft missing, the kernel without NAT) is logged and retried; the LAN's internet then fails, nothing leaks.
/// </summary>
public sealed class LocalBreakoutService(IOptions<ApplianceOptions> options, StateLayout layout, Network.NetworkInterfaceGate interfaces,
    TimeProvider time, ILogger<LocalBreakoutService> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(30);
    private ITimer? _retry;
    private volatile string _state = "starting";
    private int _failures;

    /// <summary>For status: what the table holds, or why it does not.</summary>
    public string State => _state;

    /// <summary>The source prefixes masqueraded on the WAN: the LAN address's network and every site tunnel's IPv4 LocalTs.</summary>
    public static List<IPNetwork> Sources(ApplianceOptions o)
    {
        var sources = new List<IPNetwork>();
        if (InterfaceAddress.TryParse(o.Lan.Address, out var lan) && lan.Address.AddressFamily == AddressFamily.InterNetwork)
            sources.Add(lan.Network);
        foreach (var t in o.Tunnels.Values)
        {
            if (RemoteAccessRules.IsRemoteAccess(t) || t.Mode == "transport") continue;
            foreach (string ts in t.LocalTs)
                if (IPNetwork.TryParse(ts, out var p) && p.BaseAddress.AddressFamily == AddressFamily.InterNetwork && !sources.Contains(p))
                    sources.Add(p);
        }
        return sources;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        interfaces.WhenReady("local breakout", Apply);
        return Task.CompletedTask;
    }

    private void Apply()
    {
        var o = options.Value;
        var sources = Sources(o);
        bool on = o.Lan.LocalBreakout && sources.Count > 0 && o.Wan.Interface is not null;
        try
        {
            LocalBreakout.Apply(on ? LocalBreakout.Ruleset(o.Wan.Interface!, sources) : LocalBreakout.Removal(), layout.RuntimeDirectory);
            var text = new System.Text.StringBuilder();
            foreach (var p in sources) text.Append(text.Length == 0 ? "" : ", ").Append(p.ToString());
            _state = on ? $"masquerade on {o.Wan.Interface} for {text}" : "off";
            if (on || _failures > 0)
                logger.LogInformation("local breakout: {State}", _state);
            _failures = 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _state = "failed: " + e.Message;
            if (_failures++ == 0)
                logger.LogError("local breakout: {Message}; LAN traffic outside the tunnels cannot reach the internet; retrying every {Retry}", e.Message, Retry);
            _retry ??= time.CreateTimer(_ => { if (_failures > 0) Apply(); }, null, Retry, Retry);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _retry?.Dispose();
}

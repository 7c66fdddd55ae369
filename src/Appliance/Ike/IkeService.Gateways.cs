using System.Net;
using System.Net.Sockets;
using Appliance.Configuration;
using Appliance.Ike.Gateways;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

/// <summary>
/// Tunnels whose RemoteAddress lists several HQ gateways, or names one: names are resolved (at start, periodically,
/// and after a failure), every gateway is probed with an IKE_SA_INIT on the IKE socket, and the tunnel goes to the one
/// <see cref="GatewaySelector"/> picks, moving when the active one fails or another is clearly faster for a while.
/// </summary>
public sealed partial class IkeService
{
    private readonly Dictionary<string, GatewayTunnel> _gateways = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switchingGateway = new(StringComparer.Ordinal);
    // The box's own resolvers (systemd-resolved's stub on the box), asked over the LAN forwarder's DNS code.
    private const string ResolvConfPath = "/etc/resolv.conf";
    private static readonly Lan.Dns.IDnsTransport GatewayResolverTransport = new Lan.Io.SocketDnsTransport(TimeSpan.FromSeconds(3));

    private sealed class GatewayTunnel(GatewaySelector selector)
    {
        public GatewaySelector Selector { get; } = selector;
        /// <summary>Probes in flight: initiator SPI → (gateway, address, sent at).</summary>
        public Dictionary<ulong, (Gateway Gateway, IPAddress Address, long SentAt)> Outstanding { get; } = new();
        public DateTimeOffset NextProbe { get; set; }
        public DateTimeOffset NextResolve { get; set; }
        public DateTimeOffset FirstRoundEnds { get; set; } = DateTimeOffset.MaxValue;
        public bool Resolving { get; set; }
    }

    private void CreateGatewaySelectors()
    {
        var options = new GatewayOptions(_options.Ike.GatewayProbeInterval, _options.Ike.GatewayProbeTimeout, _options.Ike.GatewayFailBackAfter);
        foreach (var (name, tunnel) in _options.Tunnels)
        {
            if (GatewayList.Parse(tunnel.RemoteAddress) is not { } list || !GatewayList.NeedsSelection(list)) continue;
            _gateways[name] = new GatewayTunnel(new GatewaySelector(list, options, _time));
        }
    }

    /// <summary>The gateways of a tunnel for the status; empty for a tunnel with one fixed address.</summary>
    public IReadOnlyList<(string Name, IPAddress? Address, string State, double? RttMs, bool Active)> Gateways(string tunnel)
    {
        lock (_gate)
        {
            if (!_gateways.TryGetValue(tunnel, out var g)) return [];
            return [.. g.Selector.Gateways.Select(x => (x.Name, x.Address, x.State.ToString(), x.Rtt?.TotalMilliseconds, x == g.Selector.Active))];
        }
    }

    /// <summary>Resolve names, send due probes, count lost ones, make the first choice and move when the choice changes. Caller holds the lock.</summary>
    private void TickGateways()
    {
        if (_gateways.Count == 0) return;
        var now = _time.GetUtcNow();
        long stamp = _time.GetTimestamp();
        foreach (var (name, g) in _gateways)
        {
            var options = g.Selector.Options;
            foreach (var (spi, probe) in g.Outstanding.ToArray())
            {
                if (_time.GetElapsedTime(probe.SentAt, stamp) < options.ProbeTimeout) continue;
                g.Outstanding.Remove(spi);
                if (Equals(probe.Gateway.Address, probe.Address)) g.Selector.Lost(probe.Gateway);
            }
            if (now >= g.NextResolve && !g.Resolving) Resolve(name, g, now);
            if (now >= g.NextProbe && _local is not null && _ike is not null)
            {
                g.NextProbe = now + options.ProbeInterval;
                SendProbes(name, g);
                if (g.Selector.Active is null && g.FirstRoundEnds == DateTimeOffset.MaxValue) g.FirstRoundEnds = now + options.ProbeTimeout;
            }
            if (g.Selector.Active is null)
            {
                // The first choice waits for the first round: every probe answered, or the probe timeout.
                bool roundDone = g.Outstanding.Count == 0 && g.FirstRoundEnds != DateTimeOffset.MaxValue || now >= g.FirstRoundEnds;
                if (roundDone && g.Selector.Choose() is { Address: not null } first) SwitchGateway(name, g, first, "first choice");
                continue;
            }
            if (_restartAt.ContainsKey(name) || IsAdminDown(name)) continue;
            if (g.Selector.Choose() is { Address: not null } chosen && chosen != g.Selector.Active)
                SwitchGateway(name, g, chosen, $"{chosen.Name} is clearly faster ({Ms(chosen.Rtt)} against {Ms(g.Selector.Active.Rtt)})");
        }
    }

    /// <summary>One probe per gateway, all built first and then sent back to back, so building one does not delay another's clock.</summary>
    private void SendProbes(string name, GatewayTunnel g)
    {
        var config = CreateTunnel(name, _options.Tunnels[name], _local!);
        var local = new IPEndPoint(_local!, _options.Ike.Port);
        var probes = new List<(Gateway Gateway, IPEndPoint Remote, ulong Spi, byte[] Datagram)>();
        foreach (var gateway in g.Selector.Gateways)
        {
            if (gateway.Address is not { } address || address.AddressFamily != AddressFamily.InterNetwork) continue;
            var remote = new IPEndPoint(address, _options.Ike.Port);
            byte[] datagram = _engine.BuildGatewayProbe(config, local, remote, out ulong spi);
            probes.Add((gateway, remote, spi, datagram));
        }
        foreach (var (gateway, remote, spi, datagram) in probes)
        {
            g.Outstanding[spi] = (gateway, remote.Address, _time.GetTimestamp());
            g.Selector.Probed(gateway);
            try { _ike!.SendTo(datagram, remote); }
            catch (SocketException e) { _logger.LogDebug("{Tunnel}: probe to {Gateway} not sent: {Message}", name, remote, e.Message); }
        }
    }

    /// <summary>An IKE_SA_INIT answer to one of our probes: timed, and kept away from the engine. Caller holds the lock.</summary>
    private bool ProbeAnswered(IPEndPoint remote, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        if (_gateways.Count == 0 || !IkeEngine.TryReadInitResponse(datagram, out ulong spi)) return false;
        foreach (var g in _gateways.Values)
        {
            if (!g.Outstanding.Remove(spi, out var probe)) continue;
            if (probe.Address.Equals(remote.Address) && Equals(probe.Gateway.Address, probe.Address))
                g.Selector.Answered(probe.Gateway, _time.GetElapsedTime(probe.SentAt, receivedAt));
            return true;
        }
        return false;
    }

    private void Resolve(string name, GatewayTunnel g, DateTimeOffset now)
    {
        var names = g.Selector.Gateways.Where(x => GatewaySelector.IsName(x.Name)).ToList();
        g.NextResolve = now + _options.Ike.GatewayResolveInterval;
        if (names.Count == 0) { g.NextResolve = DateTimeOffset.MaxValue; return; }
        g.Resolving = true;
        _ = Task.Run(async () =>
        {
            var results = new List<(Gateway Gateway, IReadOnlyList<IPAddress> Addresses)>();
            foreach (var gateway in names)
            {
                IReadOnlyList<IPAddress> addresses = [];
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var resolvers = Lan.Dns.ResolvConf.Parse(await File.ReadAllTextAsync(ResolvConfPath, timeout.Token));
                    addresses = [.. (await Lan.Dns.DnsStubResolver.ResolveAsync(gateway.Name, resolvers, GatewayResolverTransport, timeout.Token)).Take(1)];
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException) { }
                if (addresses.Count == 0) _logger.LogWarning("{Tunnel}: gateway name {Gateway} does not resolve", name, gateway.Name);
                results.Add((gateway, addresses));
            }
            lock (_gate)
            {
                g.Resolving = false;
                foreach (var (gateway, addresses) in results)
                {
                    var before = gateway.Address;
                    g.Selector.Resolved(gateway, addresses);
                    if (Equals(before, gateway.Address)) continue;
                    _logger.LogInformation("{Tunnel}: gateway {Gateway} resolves to {Address}", name, gateway.Name, gateway.Address?.ToString() ?? "nothing");
                    g.NextProbe = _time.GetUtcNow(); // measure the new address now
                    // The active gateway moved (dynamic DNS at HQ): the tunnel follows it.
                    if (gateway == g.Selector.Active && gateway.Address is not null) SwitchGateway(name, g, gateway, "its name now resolves to " + gateway.Address);
                }
                Flush();
            }
        });
    }

    /// <summary>The tunnel through its gateway failed: look elsewhere, and look the names up again. Caller holds the lock.</summary>
    private void GatewayFailed(string tunnel, string why, IPAddress? remote)
    {
        if (!_gateways.TryGetValue(tunnel, out var g) || g.Selector.Active is not { } active || _switchingGateway.Contains(tunnel)) return;
        // An attempt at a gateway the tunnel has since left says nothing about the one it uses now.
        if (remote is not null && !remote.Equals(active.Address)) return;
        if (active.State == GatewayState.Failed) return; // one failure, several events (PeerUnreachable, then the SA deleted)
        g.Selector.ActiveFailed();
        g.NextResolve = _time.GetUtcNow();
        _logger.LogWarning("{Tunnel}: gateway {Gateway} ({Address}) failed: {Why}", tunnel, active.Name, active.Address, why);
    }

    /// <summary>Before a scheduled restart: when the selector now points at another gateway, the tunnel is re-created there.</summary>
    private bool MoveToChosenGateway(string tunnel)
    {
        if (!_gateways.TryGetValue(tunnel, out var g) || g.Selector.Active is not { } active) return false;
        if (g.Selector.Choose() is not { Address: not null } chosen || chosen == active) return false;
        SwitchGateway(tunnel, g, chosen, $"{active.Name} failed");
        if (_options.Tunnels[tunnel].Start != "always") _engine.Initiate(tunnel);
        return true;
    }

    /// <summary>Re-creates the tunnel towards <paramref name="gateway"/> (its SAs with the old one are deleted). Caller holds the lock.</summary>
    private void SwitchGateway(string name, GatewayTunnel g, Gateway gateway, string why)
    {
        var previous = g.Selector.Active;
        g.Selector.Use(gateway);
        _logger.LogInformation("{Tunnel}: using gateway {Gateway} ({Address}, {Rtt}): {Why}", name, gateway.Name, gateway.Address, Ms(gateway.Rtt), why);
        _switchingGateway.Add(name);
        // The SAs with the old gateway are deleted (DELETE retransmitted until it answers or gives up): their end is no
        // failure of the new one.
        _retiredIkeSas.UnionWith(_engine.IkeSasOf(name));
        try
        {
            _restartAt.Remove(name);
            _engine.RemoveTunnel(name);
            Flush();
        }
        finally { _switchingGateway.Remove(name); }
        var tunnel = _options.Tunnels[name];
        var config = CreateTunnel(name, tunnel, _local ?? IPAddress.Any);
        bool starts = _local is not null && !IsAdminDown(name);
        _engine.AddTunnel(starts ? config : config with { Start = StartAction.None });
        if (starts && config.Start == StartAction.Start) _health.Set(name, TunnelHealthState.Negotiating);
        else if (previous is not null) _health.Set(name, TunnelHealthState.Down);
        Flush();
    }

    private static string Ms(TimeSpan? rtt) => rtt is { } r ? $"{r.TotalMilliseconds:0.0} ms" : "not measured";
}

/// <summary>Appliance:Tunnels:*:RemoteAddress as a list: "10.0.0.1", "vpn.example.com", "gw1.example.com, 10.0.0.2".</summary>
public static class GatewayList
{
    public static IReadOnlyList<string>? Parse(string? remoteAddress) => remoteAddress is null || remoteAddress == "%any" ? null
        : [.. remoteAddress.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>More than one gateway, or a name: the IKE service chooses; one address is used as it is.</summary>
    public static bool NeedsSelection(IReadOnlyList<string> list) => list.Count > 1 || list.Any(GatewaySelector.IsName);
}

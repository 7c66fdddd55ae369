using System.Net;
using System.Text.Json;
using Appliance.Configuration;
using Appliance.Control;
using Appliance.Ike;
using Appliance.Linux;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.DataPath;

/// <summary>
/// Runs the user-space data plane between the LAN and WAN NICs: installs each Child SA IKE
/// negotiates, hands it ESP-in-UDP from the shared 4500 socket, and asks IKE for a tunnel when a
/// trap policy sees traffic. The kill switch routes it installs stay in place if the process dies.
/// </summary>
public sealed class DataPlaneService : IHostedService, IStatusSection, IDisposable
{
    private readonly ApplianceOptions _options;
    private readonly ChildSaTable _table;
    private readonly IkeService _ike;
    private readonly ILogger<DataPlaneService> _logger;
    private readonly DataPlane _dataPlane;

    public DataPlaneService(IOptions<ApplianceOptions> options, ChildSaTable table, IkeService ike,
        TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value;
        _table = table;
        _ike = ike;
        _logger = loggers.CreateLogger<DataPlaneService>();
        _dataPlane = new DataPlane(BuildOptions(_options), time, loggers.CreateLogger<DataPlane>());
    }

    public static DataPlaneOptions BuildOptions(ApplianceOptions o) => new(
        o.Wan.Interface ?? throw new InvalidOperationException("Appliance:Wan:Interface is required for the data plane"),
        o.Lan.Interface ?? throw new InvalidOperationException("Appliance:Lan:Interface is required for the data plane"),
        [.. o.Tunnels.Select(t => new TunnelPolicy(
            t.Key,
            [.. t.Value.LocalTs.Select(IPNetwork.Parse)],
            [.. t.Value.RemoteTs.Select(IPNetwork.Parse)],
            [.. t.Value.Bypass.Select(IPNetwork.Parse)],
            Trap: t.Value.Start == "trap")
        {
            PeerAddresses = t.Value.RemoteAddress is { } r && IPAddress.TryParse(r, out var peer) ? [peer] : [],
        })])
    {
        // Host-to-host tunnels need the data plane's TUN device, created in Start() inside our namespace.
        EnableTransportMode = o.Tunnels.Values.Any(t => t.Mode == "transport"),
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _dataPlane.SendEspInUdp = (packet, remote) => _ike.SendOnNatTraversalSocket(packet.Span, remote);
        _dataPlane.TrapTriggered += tunnel =>
        {
            _logger.LogInformation("{Tunnel}: traffic for the tunnel, initiating (Start: trap)", tunnel);
            _ike.Trigger(tunnel);
        };
        _dataPlane.Start();
        _table.EspInUdpHandler = (local, remote, packet) => _dataPlane.DeliverEspInUdp(local, remote, packet);
        _table.CounterSource = Counters;
        _table.Installed += Install;
        _table.Removed += c => _dataPlane.RemoveSa(c.InboundSpi, c.OutboundSpi);
        foreach (var c in _table.All) Install(c);
        return Task.CompletedTask;
    }

    private void Install(ChildSaInfo child)
    {
        try
        {
            _dataPlane.InstallSa(SaInstallMapper.Map(child));
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException)
        {
            _logger.LogError("{Tunnel}: cannot install Child SA {SpiIn:x8}_i: {Message}", child.TunnelName, child.InboundSpi, e.Message);
        }
    }

    private (long, long, long, long) Counters(uint inboundSpi, uint outboundSpi)
    {
        foreach (var (key, c) in _dataPlane.Counters.Sas)
            if (key.InboundSpi == inboundSpi && key.OutboundSpi == outboundSpi)
                return (c.BytesIn, c.PacketsIn, c.BytesOut, c.PacketsOut);
        return (0, 0, 0, 0);
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("drops");
        foreach (var (reason, count) in _dataPlane.Counters.DropsByReason)
            w.WriteNumber(char.ToLowerInvariant(reason.ToString()[0]) + reason.ToString()[1..], count);
        w.WriteEndObject();
        w.WriteStartObject("dataPlane");
        w.WriteNumber("bypassed", _dataPlane.Counters.Bypassed);
        w.WriteNumber("mssClamped", _dataPlane.Counters.MssClamped);
        w.WriteNumber("icmpTooBigSent", _dataPlane.Counters.IcmpTooBigSent);
        w.WriteNumber("trapTriggers", _dataPlane.Counters.TrapTriggers);
        w.WriteNumber("killSwitchRoutes", _dataPlane.KillSwitchRoutes.Count);
        w.WriteEndObject();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // The kill switch routes stay: a stopped box must not forward the office's traffic in clear.
        _dataPlane.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _dataPlane.Dispose();
}

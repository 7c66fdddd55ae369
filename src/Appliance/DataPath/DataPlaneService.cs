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
    private readonly object _redirectGate = new();
    // Where each installed SA pair sends ESP-in-UDP as installed in the data plane.
    private readonly Dictionary<(uint In, uint Out), IPEndPoint> _installedRemote = new();
    // Installed remote → where the peer is now (NAT rebinding). Copy-on-write: read per packet without a lock.
    private Dictionary<IPEndPoint, IPEndPoint> _redirects = new();

    private readonly Network.NetworkInterfaceGate _interfaces;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    /// <summary>How often dropped packets are summed up in the log (one line, only when there were drops).</summary>
    public static readonly TimeSpan DropSummaryInterval = TimeSpan.FromSeconds(10);

    public DataPlaneService(IOptions<ApplianceOptions> options, ChildSaTable table, IkeService ike,
        TimeProvider time, ILoggerFactory loggers, Common.WorkerHeartbeats heartbeats, Network.NetworkInterfaceGate interfaces)
    {
        _interfaces = interfaces;
        _time = time;
        _options = options.Value;
        _table = table;
        _ike = ike;
        _logger = loggers.CreateLogger<DataPlaneService>();
        _dataPlane = new DataPlane(BuildOptions(_options) with { Heartbeats = heartbeats }, time, loggers.CreateLogger<DataPlane>());
    }

    public static DataPlaneOptions BuildOptions(ApplianceOptions o) => new(
        o.Wan.Interface ?? throw new InvalidOperationException("Appliance:Wan:Interface is required for the data plane"),
        o.Lan.Interface ?? throw new InvalidOperationException("Appliance:Lan:Interface is required for the data plane"),
        TunnelPolicies(o))
    {
        // Host-to-host tunnels need the data plane's TUN device, created in Start() inside our namespace.
        EnableTransportMode = o.Tunnels.Values.Any(t => t.Mode == "transport"),
        LocalServiceMtu = RemoteAccess.L2tpService.PppMru,
        WanMtu = o.Wan.Mtu,
        LocalSource = o.Lan.Address is { } lan && IPNetwork.TryParse(lan, out _) ? IPAddress.Parse(lan.Split('/')[0]) : null,
    };

    /// <summary>The configured tunnels as the data plane sees them (selectors, bypass, trap, peers).</summary>
    public static List<TunnelPolicy> TunnelPolicies(ApplianceOptions o) =>
        [.. SiteAndRemoteAccessPolicies(o), .. L2tpPolicy(o)];

    /// <summary>
    /// L2TP/IPsec's clients as a local-service tunnel: their transport SAs carry UDP 1701 to the in-process server
    /// (RemoteAccess.L2tpService), and the pool's addresses are reached from the office LAN through it.
    /// </summary>
    private static IEnumerable<TunnelPolicy> L2tpPolicy(ApplianceOptions o)
    {
        if (!o.L2tp.Enabled || L2tpRules.Pool(o.L2tp) is not { } pool) yield break;
        IPNetwork lan = L2tpRules.LanNetwork(o) ?? new IPNetwork(IPAddress.Any, 0);
        yield return new TunnelPolicy(L2tpRules.TunnelName, [lan], [pool], [], false) { LocalService = true };
    }

    private static IEnumerable<TunnelPolicy> SiteAndRemoteAccessPolicies(ApplianceOptions o) =>
        o.Tunnels.Select(t => new TunnelPolicy(
            t.Key,
            [.. t.Value.LocalTs.Select(IPNetwork.Parse)],
            // A remote-access tunnel's RemoteTs defaults to its pools, as in the IKE configuration.
            [.. (t.Value.RemoteTs.Count == 0 && Configuration.RemoteAccessRules.IsRemoteAccess(t.Value)
                ? Configuration.RemoteAccessRules.DefaultRemoteTs(t.Value) : t.Value.RemoteTs).Select(IPNetwork.Parse)],
            // Exclude's subnets act as Bypass; its domains are learnt from DNS answers (LanServices.SiteExclusions).
            [.. t.Value.Bypass.Select(IPNetwork.Parse), .. Configuration.ExclusionList.Parse(t.Value, t.Key, null).Prefixes],
            // Traffic opens the tunnel when it waits for it: Start trap, DpdAction trap, or closed for inactivity.
            Trap: t.Value.Start == "trap" || t.Value.DpdAction == "trap" || t.Value.Inactivity > TimeSpan.Zero)
        {
            // Every gateway given as an address (a list may hold several); a name's address is not known here.
            PeerAddresses = [.. (Ike.GatewayList.Parse(t.Value.RemoteAddress) ?? []).Select(g => IPAddress.TryParse(g, out var peer) ? peer : null).OfType<IPAddress>()],
            PerClient = Configuration.RemoteAccessRules.IsRemoteAccess(t.Value),
        });

    /// <summary>The data plane, for the services that ride on it (L2TP).</summary>
    internal DataPlane Plane => _dataPlane;

    /// <summary>Lets traffic to an excluded domain's address leave outside the tunnels for a while (see <see cref="DataPlane.Exclude"/>).</summary>
    public bool Exclude(IPAddress address, string domain, TimeSpan hold) => _dataPlane.Exclude(address, domain, hold);

    /// <summary>The excluded domains' addresses currently leaving locally.</summary>
    public IReadOnlyList<Linux.Policy.ExcludedAddresses.Entry> Excluded => _dataPlane.Excluded.Snapshot();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _interfaces.WhenReady("data plane", Start);
        return Task.CompletedTask;
    }

    private void Start()
    {
        _dataPlane.SendEspInUdp = (packet, remote) => _ike.SendOnNatTraversalSocket(packet.Span, Redirect(remote));
        _dataPlane.SoftLifetimeReached += (inbound, _) => _ike.RekeyEarly(inbound);
        // The data plane's own 4500 socket for a peer also receives that peer's IKE messages.
        _dataPlane.NatTraversalIkeReceived = _ike.ReceiveFromDataPlane;
        _dataPlane.TrapTriggered += tunnel =>
        {
            if (_ike.Trigger(tunnel))
                _logger.LogInformation("{Tunnel}: traffic for the tunnel, initiating (Start: trap)", tunnel);
        };
        _dataPlane.Start();
        _table.EspInUdpHandler = (local, remote, packet) => _dataPlane.DeliverEspInUdp(local, remote, packet);
        _table.CounterSource = Counters;
        _table.Installed += Install;
        _table.Removed += Remove;
        _table.EndpointsChanged += MoveEndpoints;
        foreach (var c in _table.All) Install(c, OutboundUse.Now);
        _ = Task.Run(LogDropSummaries);
    }

    private async Task LogDropSummaries()
    {
        var summary = new DropSummary();
        summary.Next(_dataPlane.Counters.DropsByReason, DropSummaryInterval); // drops before now are not news
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(DropSummaryInterval, _time, _stop.Token); }
            catch (OperationCanceledException) { return; }
            if (summary.Next(_dataPlane.Counters.DropsByReason, DropSummaryInterval) is { } line)
                _logger.LogInformation("{Summary}", line);
        }
    }

    private void Install(ChildSaInfo child, OutboundUse use)
    {
        try
        {
            var tunnel = _options.Tunnels.GetValueOrDefault(child.TunnelName);
            _dataPlane.InstallSa(SaInstallMapper.Map(child) with
            {
                DeferOutbound = use == OutboundUse.AfterPeer,
                ReceiveOnly = use == OutboundUse.Never,
                Lifetime = tunnel is null ? default : TunnelLifetimeRules.Volume(tunnel, Random.Shared.NextDouble()),
            });
            lock (_redirectGate) _installedRemote[(child.InboundSpi, child.OutboundSpi)] = child.RemoteEndpoint;
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException)
        {
            _logger.LogError("{Tunnel}: cannot install Child SA {SpiIn:x8}_i: {Message}", child.TunnelName, child.InboundSpi, e.Message);
        }
    }

    private void Remove(ChildSaInfo child)
    {
        _dataPlane.RemoveSa(child.InboundSpi, child.OutboundSpi);
        lock (_redirectGate)
        {
            if (!_installedRemote.Remove((child.InboundSpi, child.OutboundSpi), out var remote)) return;
            if (_redirects.ContainsKey(remote) && !_installedRemote.ContainsValue(remote))
                SetRedirect(remote, null);
        }
    }

    private IPEndPoint Redirect(IPEndPoint remote)
    {
        var redirects = Volatile.Read(ref _redirects);
        return redirects.Count != 0 && redirects.TryGetValue(remote, out var now) ? now : remote;
    }

    /// <summary>
    /// The peer's NAT mapping moved. The SA keeps its keys and sequence numbers (re-installing it would restart
    /// the sequence at 1 under the same key: replayed numbers for the peer, a reused nonce for GCM), so the
    /// ESP-in-UDP it sends is redirected from the installed endpoint to the new one instead.
    /// </summary>
    private void MoveEndpoints(ChildSaInfo before, ChildSaInfo after)
    {
        if (!after.UdpEncapsulation)
        {
            if (!before.RemoteEndpoint.Address.Equals(after.RemoteEndpoint.Address))
                _logger.LogWarning("{Tunnel}: peer moved to {Remote}, but Child SA {SpiIn:x8}_i is raw ESP and keeps sending to {Old} until it is rekeyed",
                    after.TunnelName, after.RemoteEndpoint, after.InboundSpi, before.RemoteEndpoint);
            return;
        }
        lock (_redirectGate)
        {
            if (!_installedRemote.TryGetValue((after.InboundSpi, after.OutboundSpi), out var installed)) return;
            SetRedirect(installed, installed.Equals(after.RemoteEndpoint) ? null : after.RemoteEndpoint);
        }
        _logger.LogInformation("{Tunnel}: ESP-in-UDP of Child SA {SpiIn:x8}_i now goes to {Remote}", after.TunnelName, after.InboundSpi, after.RemoteEndpoint);
    }

    /// <summary>Caller holds _redirectGate.</summary>
    private void SetRedirect(IPEndPoint installed, IPEndPoint? to)
    {
        var next = new Dictionary<IPEndPoint, IPEndPoint>(_redirects);
        if (to is null) next.Remove(installed);
        else next[installed] = to;
        Volatile.Write(ref _redirects, next);
        // The data plane's own socket is connected to the installed endpoint: while redirected, the host's sends.
        _dataPlane.EspInUdpPeerMoved(installed, to is not null);
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
        w.WriteNumber("icmpRateLimited", _dataPlane.Counters.IcmpRateLimited);
        w.WriteNumber("wanFramesSent", _dataPlane.Counters.WanFramesSent);
        // Raw ESP taken off the WAN ahead of the kernel's IP path (AF_PACKET + tc ingress filter); 0: the raw socket.
        w.WriteNumber("wanFramesReceived", _dataPlane.Counters.WanFramesReceived);
        w.WriteNumber("trapTriggers", _dataPlane.Counters.TrapTriggers);
        w.WriteNumber("killSwitchRoutes", _dataPlane.KillSwitchRoutes.Count);
        // ESP-in-UDP on the data plane's own 4500 sockets (UDP GSO/GRO); 0 sockets with UDP SAs up: the host path.
        w.WriteNumber("espInUdpSockets", _dataPlane.EspInUdpSockets);
        w.WriteNumber("segmentsCoalesced", _dataPlane.Counters.SegmentsCoalesced);
        w.WriteNumber("udpGsoSegmentsSent", _dataPlane.Counters.UdpGsoSegmentsSent);
        w.WriteNumber("udpGroSegmentsReceived", _dataPlane.Counters.UdpGroSegmentsReceived);
        w.WriteEndObject();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // The kill switch routes stay: a stopped box must not forward the office's traffic in clear.
        _stop.Cancel();
        _dataPlane.Dispose();
        return Task.CompletedTask;
    }

    // The host disposes this service once per registration (hosted service and status section): only the first counts.
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _dataPlane.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Appliance.Configuration;
using Appliance.Lan.Dns;
using Appliance.Lan.Io;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>
/// The DNS forwarder on the LAN address: UDP and TCP on port 53 (RFC 1035 §4.2, RFC 7766), sockets tied to the LAN NIC.
/// Each query is answered on its own task, at most <see cref="MaxInFlight"/> at once; TCP connections are bounded too
/// and closed when idle.
/// </summary>
public sealed class DnsService : BackgroundService
{
    public const int MaxInFlight = 256, MaxTcpConnections = 64;
    private static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(2), TcpIdle = TimeSpan.FromSeconds(10);
    private readonly ApplianceOptions _options;
    private readonly Network.NetworkInterfaceGate? _interfaces;
    private readonly DnsSettingsFactory.Settings _settings;
    private readonly ILogger<DnsService> _logger;
    private readonly HqDnsServers _hq;
    private readonly IPNetwork? _lanNetwork;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight), _tcpSlots = new(MaxTcpConnections);

    public DnsService(IOptions<ApplianceOptions> options, HqDnsServers hq, TimeProvider time, ILogger<DnsService> logger,
        Network.NetworkInterfaceGate? interfaces = null, SiteExclusions? exclusions = null)
    {
        _options = options.Value;
        _interfaces = interfaces;
        _logger = logger;
        _hq = hq;
        var errors = new List<string>();
        // Validated at start (ApplianceOptionsValidator): this cannot fail unless the options changed since.
        _settings = DnsSettingsFactory.Build(_options, errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        _lanNetwork = Common.InterfaceAddress.TryParse(_options.Lan.Address, out var lan) ? lan.Network : null;
        Forwarder = new DnsForwarder(_settings.Routes, new DnsCache(_settings.CacheSize, time),
            new SocketDnsTransport(UpstreamTimeout, _settings.TlsTrust) { Source = FullTunnelSource(_options) },
            new DnsUpstreamSource(_options.Dns.WanResolvConf, hq))
        {
            Observer = exclusions,
        };
    }

    public DnsForwarder Forwarder { get; }

    /// <summary>
    /// The LAN address when a site tunnel carries everything (RemoteTs 0.0.0.0/0) for it: queries from that address enter
    /// the tunnel (Linux.Routing.OwnTrafficRoutes), so none leaves in clear. Otherwise null: the kernel picks the source.
    /// </summary>
    public static IPAddress? FullTunnelSource(ApplianceOptions o)
    {
        // The data plane's own test, so the source rule and the forwarder's source always agree.
        return Common.InterfaceAddress.TryParse(o.Lan.Address, out var lan)
            && Linux.DataPlane.IsFullTunnelFor(DataPath.DataPlaneService.TunnelPolicies(o), lan.Address) ? lan.Address : null;
    }

    /// <summary>HQ's DNS servers as the site tunnels received them (the "hq" upstream); empty while no tunnel is up.</summary>
    public IReadOnlyList<IPAddress> HqResolvers => _hq.Current();
    public IPEndPoint Listen => new(_settings.Listen, _settings.Port);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interfaces is not null) await _interfaces.WaitAsync(stoppingToken);
        string device = _options.Lan.Interface!;
        using var udp = new Socket(_settings.Listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var tcp = new Socket(_settings.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        foreach (var s in (Socket[])[udp, tcp])
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            LinkSockets.BindToDevice(s, device);
            // The LAN address may still be on its way onto the NIC (the service sets it at start): bind anyway.
            s.SetRawSocketOption(0, 15 /* IP_FREEBIND */, BitConverter.GetBytes(1));
            s.Bind(Listen);
        }
        tcp.Listen(64);
        // Replies to clients off the LAN's network (remote-access and L2TP clients, whose queries the data plane hands in on the
        // LAN device) cannot leave a LAN-bound socket: their route is the data plane's TUN device.
        using var offLan = LinkSockets.SendOnlyUdp(Listen);
        _logger.LogInformation("DNS: forwarding on {Listen} (UDP, TCP) via {Upstreams}{Domains}", Listen,
            string.Join(", ", _settings.Routes.Defaults),
            string.Concat(_settings.Routes.Domains.Select(p => $"; {p.Key} via {string.Join(", ", p.Value)}")));
        await Task.WhenAll(ServeUdpAsync(udp, offLan, stoppingToken), AcceptTcpAsync(tcp, stoppingToken));
    }

    private async Task ServeUdpAsync(Socket udp, Socket offLan, CancellationToken stop)
    {
        var buffer = new byte[DnsQuery.MaxLength + 1];
        EndPoint any = new IPEndPoint(_settings.Listen.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, stop); }
            catch (OperationCanceledException) { return; }
            catch (SocketException e) { _logger.LogDebug("DNS: UDP receive: {Message}", e.Message); continue; }
            byte[] query = buffer[..r.ReceivedBytes];
            var client = r.RemoteEndPoint;
            await _inFlight.WaitAsync(stop);
            _ = Task.Run(async () =>
            {
                try
                {
                    // RFC 6891: the OPT record says how much the client takes; without one, 512 bytes.
                    byte[]? reply = await Forwarder.AnswerAsync(query, DnsQuery.TryParse(query, out var q, out _) ? q.UdpPayloadSize : DnsQuery.ClassicUdpSize, stop);
                    if (reply is not null) await (OnLan(client) ? udp : offLan).SendToAsync(reply, SocketFlags.None, client, stop);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException) { }
                finally { _inFlight.Release(); }
            }, stop);
        }
    }

    /// <summary>A client on the LAN's own network (Appliance:Lan:Address), answered through the LAN-bound socket.</summary>
    private bool OnLan(EndPoint client) =>
        client is not IPEndPoint ip || _lanNetwork is not { } lan || lan.Contains(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address);

    private async Task AcceptTcpAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try { connection = await listener.AcceptAsync(stop); }
            catch (OperationCanceledException) { return; }
            catch (SocketException e) { _logger.LogDebug("DNS: TCP accept: {Message}", e.Message); continue; }
            if (!_tcpSlots.Wait(0))
            {
                connection.Dispose(); // too many open: the client retries later
                continue;
            }
            _ = Task.Run(async () =>
            {
                try { await ServeTcpAsync(connection, stop); }
                finally { connection.Dispose(); _tcpSlots.Release(); }
            }, stop);
        }
    }

    // RFC 7766 §6.2.1: several queries may arrive on one connection; answered in order, closed after an idle period.
    private async Task ServeTcpAsync(Socket connection, CancellationToken stop)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        while (!stop.IsCancellationRequested)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
            idle.CancelAfter(TcpIdle);
            try
            {
                byte[]? query = await SocketDnsTransport.ReadFramedAsync(stream, idle.Token);
                if (query is null) return;
                byte[]? reply = await Forwarder.AnswerAsync(query, ushort.MaxValue, stop);
                if (reply is null) return; // a malformed message on a stream: the framing can no longer be trusted
                var framed = new byte[2 + reply.Length];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                reply.CopyTo(framed, 2);
                await stream.WriteAsync(framed, stop);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { return; }
        }
    }
}

using System.Net;
using System.Text.Json;
using Appliance.Configuration;
using Appliance.Control;
using Appliance.L2tp;
using Appliance.L2tp.Ppp;
using Appliance.Linux;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.RemoteAccess;

/// <summary>
/// The L2TP network server for L2TP/IPsec clients (issue 16), between the data plane and the sans-I/O <see cref="L2tpServer"/>:
/// datagrams the clients' transport SAs opened come in by the SA's remote endpoint (the data plane's local-service tunnel,
/// <see cref="DataPlane.ServiceDatagramReceived"/>), the server's answers go back through the same SA, and the PPP links'
/// IPv4 packets are exchanged with the LAN. IKEv1 (in <see cref="Ike.IkeService"/>) installs those SAs; nothing else reaches
/// the server, so L2TP without IPsec is never answered. One lock serialises the server, which is single-threaded.
/// </summary>
public sealed class L2tpService : IHostedService, IStatusSection, IDisposable
{
    private readonly L2tpServer _server;
    private readonly DataPath.DataPlaneService _dataPlane;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // The client's UDP port inside its SA, by the SA's remote endpoint (Windows and macOS send from 1701, others may not).
    private readonly Dictionary<IPEndPoint, ushort> _ports = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Common.WorkerHeartbeats? _heartbeats;
    private readonly IPNetwork _pool;
    private Task? _loop;
    private long _packetsToClients, _packetsFromClients, _packetsToNobody;

    private readonly Ike.IkeService _ike;

    public L2tpService(IOptions<ApplianceOptions> options, DataPath.DataPlaneService dataPlane, Ike.IkeService ike, TimeProvider time,
        ILoggerFactory loggers, Common.WorkerHeartbeats? heartbeats = null)
    {
        _ike = ike;
        var o = options.Value;
        _dataPlane = dataPlane;
        _time = time;
        _heartbeats = heartbeats;
        _logger = loggers.CreateLogger<L2tpService>();
        _pool = L2tpRules.Pool(o.L2tp) ?? throw new InvalidOperationException($"{L2tpRules.Section}:Pool is not a usable IPv4 CIDR");
        var addresses = new VirtualIpPoolAddresses(_pool);
        var dns = L2tpRules.DnsServers(o);
        var users = new Ike.UserDirectory(RemoteAccessRules.Users(o.Users), o.Users.Keys,
            Common.UserStoreFile.In(new Common.StateLayout(o.StateDirectory)), _logger);
        _server = new L2tpServer(time, users, addresses, new L2tpServerOptions
        {
            Ppp = new PppOptions
            {
                Mru = PppMru,
                ServerAddress = addresses.ServerAddress,
                PrimaryDns = dns.Count > 0 ? dns[0] : null,
                SecondaryDns = dns.Count > 1 ? dns[1] : null,
                MaxAuthFailures = o.L2tp.MaxLoginFailures ?? 5,
                AuthLockOut = o.L2tp.LockOut ?? TimeSpan.FromMinutes(5),
            },
        });
    }

    /// <summary>The PPP MRU asked of clients; the data plane clamps their TCP MSS to it (DataPlaneOptions.LocalServiceMtu).</summary>
    public const int PppMru = 1400;

    public L2tpCounters Counters => _server.Counters;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var plane = _dataPlane.Plane;
        plane.ServiceDatagramReceived = OnDatagram;
        plane.ServicePacketOut = OnPacketToClient;
        _loop = Task.Run(TimerLoop);
        _logger.LogInformation("L2TP/IPsec: serving clients from pool {Pool} (box end {Server})", _pool, _server.Options.Ppp.ServerAddress);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var plane = _dataPlane.Plane;
        plane.ServiceDatagramReceived = null;
        plane.ServicePacketOut = null;
        // Clients hear StopCCN (and their PPP a terminate) rather than waiting for their HELLOs to time out.
        lock (_gate)
        {
            _server.Shutdown();
            Pump();
        }
        _stop.Cancel();
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnDatagram(IPEndPoint peer, ushort peerPort, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            _ports[peer] = peerPort;
            _server.HandleDatagram(peer, payload);
            Pump();
        }
        _wake.Release();
    }

    private void OnPacketToClient(ReadOnlySpan<byte> packet)
    {
        var destination = new IPAddress(packet.Slice(16, 4));
        lock (_gate)
        {
            if (_server.SendIpPacket(destination, packet)) _packetsToClients++;
            else _packetsToNobody++;
            Pump();
        }
    }

    private async Task TimerLoop()
    {
        using var heartbeat = _heartbeats?.Register("l2tp");
        while (!_stop.IsCancellationRequested)
        {
            heartbeat?.Beat();
            TimeSpan? next;
            lock (_gate)
            {
                next = _server.Tick();
                Pump();
            }
            TimeSpan wait = next is { } n && n < TimeSpan.FromSeconds(1) ? (n < TimeSpan.Zero ? TimeSpan.Zero : n) : TimeSpan.FromSeconds(1);
            try { await _wake.WaitAsync(wait, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Sends what the server queued, delivers the clients' packets and logs its events. Caller holds the lock.</summary>
    private void Pump()
    {
        var plane = _dataPlane.Plane;
        while (_server.TryDequeueOutgoing(out var d))
            plane.SendServiceDatagram(d.Peer, _ports.GetValueOrDefault(d.Peer, (ushort)1701), d.Payload);
        while (_server.TryDequeueIpPacket(out var p))
            if (plane.InjectServicePacket(p.Packet)) _packetsFromClients++;
        while (_server.TryDequeueEvent(out var e))
        {
            switch (e)
            {
                case L2tpClientConnected c:
                    _logger.LogInformation("L2TP: user '{User}' connected from {Peer}, address {Address}", c.UserName, c.Peer, c.Address);
                    break;
                case L2tpSessionDown d:
                    _logger.LogInformation("L2TP: session {Tunnel}/{Session} of {Peer} ended{User} ({Reason})", d.Session.TunnelId, d.Session.SessionId,
                        d.Peer, d.UserName is null ? "" : d.Address is null ? $" (user '{d.UserName}')" : $" (user '{d.UserName}', address {d.Address})", d.Reason);
                    break;
                case L2tpSessionUp u:
                    _logger.LogDebug("L2TP: session {Tunnel}/{Session} of {Peer} up", u.Session.TunnelId, u.Session.SessionId, u.Peer);
                    break;
            }
        }
    }

    /// <summary>The "l2tp" status: every session with its client, user and address, and the server's counters.</summary>
    public void Write(Utf8JsonWriter w)
    {
        IReadOnlyList<L2tpSessionInfo> sessions;
        IReadOnlyDictionary<L2tpCounter, long> counters;
        long toClients, fromClients, toNobody;
        lock (_gate)
        {
            sessions = _server.Sessions();
            counters = _server.Counters.Snapshot();
            toClients = _packetsToClients;
            fromClients = _packetsFromClients;
            toNobody = _packetsToNobody;
        }
        w.WriteStartObject("l2tp");
        w.WriteString("pool", _pool.ToString());
        w.WriteStartArray("clients");
        foreach (var s in sessions)
        {
            w.WriteStartObject();
            w.WriteString("remote", $"{s.Peer.Address}[{s.Peer.Port}]");
            if (s.HostName is { } host) w.WriteString("hostName", host);
            w.WriteString("phase", s.Phase);
            if (s.UserName is { } user) w.WriteString("user", user);
            if (s.Address is { } address) w.WriteString("address", address.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("ikeSas");
        foreach (var sa in _ike.IkeV1Status() ?? [])
        {
            w.WriteStartObject();
            w.WriteString("remote", $"{sa.Remote.Address}[{sa.Remote.Port}]");
            w.WriteString("state", sa.State);
            w.WriteBoolean("nat", sa.NatDetected);
            if (sa.Suite is { } suite) w.WriteString("suite", suite);
            if (sa.RemoteId is { } id) w.WriteString("remoteId", id);
            w.WriteNumber("espSas", sa.InboundSpis.Count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("packetsToClients", toClients);
        w.WriteNumber("packetsFromClients", fromClients);
        w.WriteNumber("packetsToNoClient", toNobody);
        w.WriteStartObject("counters");
        foreach (var (counter, value) in counters)
            if (value != 0) w.WriteNumber(char.ToLowerInvariant(counter.ToString()[0]) + counter.ToString()[1..], value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _server.Dispose();
    }
}

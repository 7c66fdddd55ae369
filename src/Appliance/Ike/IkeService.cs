using Appliance.Common;
using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Appliance.Configuration;
using Appliance.Control;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Ike;

/// <summary>
/// Runs the sans-I/O <see cref="IkeEngine"/> on real UDP sockets (500 and 4500, bound to the WAN address),
/// turns its events into logs, tunnel health, key-log lines and Child SA installs, and sends DELETE for
/// every IKE SA on a graceful stop. All engine calls are serialised by one lock: the engine is not
/// thread-safe and IKE traffic is tiny.
/// </summary>
public sealed partial class IkeService : IHostedService, IDisposable
{
    private readonly ApplianceOptions _options;
    private readonly TunnelHealth _health;
    private readonly ILogger<IkeService> _logger;
    private readonly IkeEngine _engine;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly List<Task> _loops = [];
    private readonly KeyLogWriter? _keyLog;
    private readonly IChildSaSink _childSaSink;
    private readonly Board.LivenessWatchdog _watchdog;
    private readonly Common.WorkerHeartbeats _heartbeats;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, DateTimeOffset> _restartAt = new(StringComparer.Ordinal);
    private volatile bool _stopping;
    private volatile Socket? _ike, _natT;
    private IPAddress? _local;
    private static readonly TimeSpan WanCheckInterval = TimeSpan.FromSeconds(1);
    private long _lastWanCheck;
    // The address whose bind failure was logged last, so waiting for it logs once and not every second.
    private IPAddress? _bindFailedFor;
    // Failed IKE sends are logged at most once per interval (caller holds _gate): when the last line was, and how many since.
    private long _sendFailureLoggedAt;
    private long _sendFailuresHeld;
    // The Child SAs handed to the data plane, by SPI pair: moved when the peer's endpoint changes, dropped when our address does.
    private readonly Dictionary<(uint In, uint Out), ChildSaInfo> _children = new();
    // IKE SAs by SPI pair; after a WAN address change the old ones are retired: their end is no outage.
    private readonly HashSet<(ulong I, ulong R)> _ikeSas = new();
    private readonly HashSet<(ulong I, ulong R)> _retiredIkeSas = new();
    private readonly IChildSaCounters _counters;
    private readonly LanServices.HqDnsServers? _hqDns;
    private readonly InactivityTracker _inactivity;
    // Tunnels we closed for inactivity: their end is no outage, and traffic (the trap) opens them again.
    private readonly HashSet<string> _idleClosed = new(StringComparer.Ordinal);
    // Tunnels whose IKE SA lost its last Child SA with no successor: re-established at the time given unless a new one comes.
    private readonly Dictionary<string, DateTimeOffset> _childlessUntil = new(StringComparer.Ordinal);

    public IkeService(IOptions<ApplianceOptions> options, TunnelHealth health, ControlCommands commands,
        IChildSaSink childSaSink, IChildSaCounters counters, Board.LivenessWatchdog watchdog, TimeProvider time, ILoggerFactory loggers,
        Common.WorkerHeartbeats heartbeats, LanServices.HqDnsServers? hqDns = null)
    {
        _heartbeats = heartbeats;
        _hqDns = hqDns;
        _counters = counters;
        _inactivity = new InactivityTracker(time);
        _options = options.Value;
        _health = health;
        _childSaSink = childSaSink;
        _watchdog = watchdog;
        _time = time;
        _logger = loggers.CreateLogger<IkeService>();
        CreateGatewaySelectors();
        var engineOptions = new IkeEngineOptions
        {
            IkePort = _options.Ike.Port,
            NatTPort = _options.Ike.NatTraversalPort,
            RetransmitTimeout = _options.Ike.RetransmitTimeout,
            RetransmitTries = _options.Ike.RetransmitTries,
            Fragmentation = _options.Ike.Fragmentation,
            FragmentSize = _options.Ike.FragmentSize,
            CookieThreshold = _options.Ike.CookieThreshold,
            HalfOpenLimit = _options.Ike.HalfOpenLimit,
            HalfOpenPerSource = _options.Ike.HalfOpenPerSource,
            DpdDelay = OffIfZero(_options.Ike.Dpd),
            ChildSaRekeyTime = OffIfZero(_options.Ike.RekeyTime),
            IkeSaRekeyTime = OffIfZero(_options.Ike.IkeRekeyTime),
        };
        _engine = new IkeEngine(time, SystemIkeRandom.Instance, loggers.CreateLogger<IkeEngine>(), engineOptions);
        CreateIkeV1(loggers);
        if (_options.KeyLog is { } keyLogDirectory)
            _keyLog = new KeyLogWriter(keyLogDirectory, _logger);
        commands.Reinitiate += ReinitiateAll;
        commands.Tunnels = this;
    }

    // Passwords are hashed once, when the first tunnel is made; only NT hashes stay in memory. users.json is re-read
    // when it changes (UserDirectory).
    private UserDirectory? _users;
    private UserDirectory Users() => _users ??= new UserDirectory(Configuration.RemoteAccessRules.Users(_options.Users), _options.Users.Keys,
        UserStoreFile.In(new StateLayout(_options.StateDirectory)), _logger);

    private static TimeSpan? OffIfZero(TimeSpan? t) => t is { } v && v > TimeSpan.Zero ? v : null;

    private IkeTunnelConfig CreateTunnel(string name, TunnelOptions tunnel, IPAddress local)
    {
        // A tunnel with several gateways (or a name) has none until the first probe round chose one: it waits, like a
        // tunnel without a WAN address, at a placeholder it never sends to.
        IPAddress? gateway = null;
        bool waiting = false;
        if (_gateways.TryGetValue(name, out var g))
        {
            gateway = g.Selector.Active?.Address;
            waiting = gateway is null;
            gateway ??= IPAddress.Any;
        }
        var config = TunnelConfigFactory.Create(name, tunnel, local, _options.StateDirectory, Users(), gateway) with
        {
            Lifetimes = TunnelLifetimeRules.Times(tunnel, _options.Ike),
            RequestDns = HqDnsRules.Requests(_options, tunnel),
        };
        return waiting ? config with { Start = StartAction.None } : config;
    }

    /// <summary>The data plane saw a Child SA reach its soft byte/packet limit or run low on sequence numbers: rekey it now.</summary>
    public void RekeyEarly(uint inboundSpi)
    {
        bool started;
        lock (_gate)
        {
            started = _engine.RequestChildRekey(inboundSpi);
            Flush();
        }
        if (started) _wake.Release();
    }

    public IkeStatus Status()
    {
        lock (_gate) return _engine.GetStatus();
    }

    /// <summary>Failed remote-access logins per user since start.</summary>
    public IReadOnlyDictionary<string, long> EapFailuresByUser() => _engine.EapFailuresByUser();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // At boot the service usually starts before networkd (or DHCP) gave the WAN its address, and a box may boot
        // with its WAN cable out. Neither is an error: without an address the tunnels wait in the engine with no
        // start action (nothing could be sent), and WatchWanAddress moves IKE onto the address once there is one.
        IPAddress? address = ResolveWanAddress();
        (Socket Ike, Socket NatT)? sockets = address is null ? null : BindBoth(address);
        lock (_gate)
        {
            if (sockets is { } bound)
            {
                _local = address;
                (_ike, _natT) = bound;
            }
            foreach (var (name, tunnel) in _options.Tunnels)
            {
                var config = CreateTunnel(name, tunnel, _local ?? IPAddress.Any);
                _engine.AddTunnel(_local is null ? config with { Start = StartAction.None } : config);
                // A remote-access tunnel is up while the box serves clients; their comings and goings do not change it.
                _health.Set(name, Configuration.RemoteAccessRules.IsRemoteAccess(tunnel) ? TunnelHealthState.Up : TunnelHealthState.Down);
            }
            Flush();
        }
        if (sockets is { } started)
        {
            _logger.LogInformation("IKE listening on {Address} ports {Port} and {NatPort}", _local, _options.Ike.Port, _options.Ike.NatTraversalPort);
            StartReceiveLoops(started.Ike, started.NatT);
        }
        else
        {
            _logger.LogWarning("Appliance:Wan: no usable IPv4 address on interface '{Interface}' yet; IKE starts the tunnels once it has one",
                _options.Wan.Interface);
        }
        _lastWanCheck = _time.GetTimestamp();
        lock (_loops) _loops.Add(Task.Run(TimerLoop));
        return Task.CompletedTask;
    }

    /// <summary>The configured WAN address, else the interface's first IPv4 address; null when there is none (yet).</summary>
    private IPAddress? ResolveWanAddress()
    {
        try
        {
            return WanAddress.Resolve(_options.Wan);
        }
        catch (NetworkInformationException e)
        {
            _logger.LogDebug("WAN address check: {Message}", e.Message);
            return null;
        }
    }

    /// <summary>Binds 500 and 4500 to the address, or null (logged once per address) when the address is not usable yet.</summary>
    private (Socket Ike, Socket NatT)? BindBoth(IPAddress address)
    {
        Socket? ike = null;
        try
        {
            ike = Bind(address, _options.Ike.Port);
            var natT = Bind(address, _options.Ike.NatTraversalPort);
            _bindFailedFor = null;
            return (ike, natT);
        }
        catch (SocketException e)
        {
            ike?.Dispose();
            if (!address.Equals(_bindFailedFor))
                _logger.LogWarning("binding IKE to {Address} failed: {Message}; retrying every second", address, e.Message);
            _bindFailedFor = address;
            return null;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        lock (_gate)
        {
            _restartAt.Clear();
            foreach (var name in _options.Tunnels.Keys) _engine.Terminate(name);
            Flush();
        }
        // Give the peers a moment to acknowledge the DELETEs so HQ drops its SAs now, not after DPD.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (DateTime.UtcNow < deadline && AnyIkeSa() && !cancellationToken.IsCancellationRequested)
            await Task.Delay(50, CancellationToken.None);
        _stop.Cancel();
        _ike?.Dispose();
        _natT?.Dispose();
        _wake.Release();
        Task[] loops;
        lock (_loops) loops = [.. _loops];
        try { await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    /// <summary>Whether the tunnel still has an established IKE SA (an old SA deleted after a rekey leaves one).</summary>
    private bool HasIkeSa(string tunnel) =>
        _engine.GetStatus().Tunnels.Any(t => t.Name == tunnel && t.IkeSa is { State: IkeSaState.Established });

    private bool AnyIkeSa()
    {
        lock (_gate) return _engine.GetStatus().Tunnels.Any(t => t.IkeSa is not null);
    }

    private void ReinitiateAll()
    {
        lock (_gate)
        {
            if (_local is null)
            {
                _logger.LogInformation("re-initiate requested, but the WAN has no IPv4 address yet; the tunnels start once it has one");
                return;
            }
            _adminDown.Clear(); // the button (or `reinitiate`) means every tunnel, the ones taken down included
            foreach (var (name, tunnel) in _options.Tunnels)
                if (tunnel.RemoteAddress != "%any")
                    _engine.Initiate(name);
            Flush();
        }
        _logger.LogInformation("re-initiating all tunnels on request");
    }

    /// <summary>Called by the data plane when a packet needs a tunnel that has no SA (Start: trap); false when it stays closed.</summary>
    public bool Trigger(string tunnel)
    {
        lock (_gate)
        {
            // A scheduled restart (after a failure, with its back-off) is not hurried along by traffic, and a tunnel
            // the operator took down stays down.
            // Without a WAN address nothing can be sent; the tunnels start once the WAN has one.
            if (_restartAt.ContainsKey(tunnel) || _stopping || IsAdminDown(tunnel) || _local is null) return false;
            if (_idleClosed.Remove(tunnel))
                _logger.LogInformation("{Tunnel}: traffic again after the inactivity close, re-opening", tunnel);
            _health.Set(tunnel, TunnelHealthState.Negotiating);
            _engine.Initiate(tunnel);
            Flush();
            return true;
        }
    }

    /// <summary>Closes tunnels whose Child SAs carried no packet for their Inactivity time (caller holds the lock).</summary>
    private void CloseInactive()
    {
        foreach (var (name, tunnel) in _options.Tunnels)
        {
            if (tunnel.Inactivity is not { } idle || idle <= TimeSpan.Zero) continue;
            var children = _children.Values.Where(c => c.TunnelName == name)
                .Select(c => ((c.InboundSpi, c.OutboundSpi), Packets(c))).ToList();
            if (!_inactivity.IdleFor(name, children, idle)) continue;
            _logger.LogInformation("{Tunnel}: no traffic for {Idle}, closing the tunnel; the next packet for it opens it again", name, idle);
            _idleClosed.Add(name);
            _inactivity.Forget(name);
            _engine.Terminate(name);
        }
    }

    private void EndChildlessIkeSas()
    {
        if (_childlessUntil.Count == 0) return;
        var now = _time.GetUtcNow();
        foreach (var (tunnel, at) in _childlessUntil.ToArray())
        {
            if (at > now) continue;
            _childlessUntil.Remove(tunnel);
            if (_children.Values.Any(c => c.TunnelName == tunnel) || !HasIkeSa(tunnel)) continue;
            _logger.LogWarning("{Tunnel}: still no Child SA, closing the IKE SA to start over", tunnel);
            _engine.Terminate(tunnel);
        }
    }

    private long Packets(ChildSaInfo c)
    {
        var (_, packetsIn, _, packetsOut) = _counters.Get(c.InboundSpi, c.OutboundSpi);
        return packetsIn + packetsOut;
    }

    /// <summary>ESP-in-UDP and NAT keepalives share the IKE socket on 4500 (RFC 3948); the data plane sends through here.</summary>
    public bool SendOnNatTraversalSocket(ReadOnlySpan<byte> packet, IPEndPoint remote)
    {
        try
        {
            return _natT?.SendTo(packet, SocketFlags.None, remote) == packet.Length;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private Socket Bind(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (port == _options.Ike.NatTraversalPort) ShareWithDataPlane(socket);
        socket.Bind(new IPEndPoint(address, port));
        return socket;
    }

    private void StartReceiveLoops(Socket ike, Socket natT)
    {
        lock (_loops)
        {
            _loops.RemoveAll(t => t.IsCompleted);
            _loops.Add(Task.Run(() => ReceiveLoop(ike, natT: false)));
            _loops.Add(Task.Run(() => ReceiveLoop(natT, natT: true)));
        }
    }

    /// <summary>
    /// DHCP may hand the WAN a new address. Once a second, when the address is not configured explicitly,
    /// look at the interface; on a change, move IKE to the new address (see <see cref="MoveTo"/>).
    /// </summary>
    private void WatchWanAddress()
    {
        // A configured address is watched only until IKE could bind to it (it may be added after we start).
        if (_stopping || (_options.Wan.Address is not null && _local is not null)) return;
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastWanCheck, now) < WanCheckInterval) return;
        _lastWanCheck = now;
        IPAddress? current = ResolveWanAddress();
        // No address at all (not yet at boot, or between a DHCP release and the new lease): keep waiting.
        if (current is null || current.Equals(_local)) return;
        MoveTo(current);
    }

    /// <summary>
    /// The WAN address changed: bind 500/4500 to the new address, drop the data plane's SAs made from the old
    /// one (they can be neither used nor deleted from an address we no longer have; the DELETE goes out from
    /// the new address anyway, in case the peer takes it), re-add the tunnels with the new local address
    /// (Start: always initiates at once; trap tunnels wait for traffic).
    /// </summary>
    private void MoveTo(IPAddress address)
    {
        if (BindBoth(address) is not { } bound) return;
        var (ike, natT) = bound;
        Socket? oldIke, oldNatT;
        lock (_gate)
        {
            if (_local is null)
                _logger.LogInformation("WAN address {Address}: IKE listening on ports {Port} and {NatPort}, starting the tunnels",
                    address, _options.Ike.Port, _options.Ike.NatTraversalPort);
            else
                _logger.LogWarning("WAN address changed from {Old} to {New}: IKE moves to it, tunnels are re-established", _local, address);
            oldIke = _ike;
            oldNatT = _natT;
            _local = address;
            _ike = ike;
            _natT = natT;
            _retiredIkeSas.UnionWith(_ikeSas);
            _ikeSas.Clear();
            foreach (var (key, child) in _children.ToArray())
            {
                if (child.LocalEndpoint.Address.Equals(address)) continue;
                _children.Remove(key);
                _logger.LogInformation("{Tunnel}: Child SA {SpiIn:x8}_i {SpiOut:x8}_o dropped (its local address {Old} is gone)",
                    child.TunnelName, child.InboundSpi, child.OutboundSpi, child.LocalEndpoint.Address);
                _childSaSink.Remove(child.TunnelName, child.InboundSpi, child.OutboundSpi);
            }
            foreach (var (name, tunnel) in _options.Tunnels)
            {
                _restartAt.Remove(name);
                _engine.RemoveTunnel(name);
                bool starts = tunnel.Start == "always" && tunnel.RemoteAddress != "%any" && !IsAdminDown(name);
                _health.Set(name, starts ? TunnelHealthState.Negotiating
                    : Configuration.RemoteAccessRules.IsRemoteAccess(tunnel) ? TunnelHealthState.Up : TunnelHealthState.Down);
                var config = CreateTunnel(name, tunnel, address);
                _engine.AddTunnel(IsAdminDown(name) ? config with { Start = StartAction.None } : config);
            }
            Flush();
        }
        oldIke?.Dispose();
        oldNatT?.Dispose();
        StartReceiveLoops(ike, natT);
    }

    private async Task ReceiveLoop(Socket socket, bool natT)
    {
        var buffer = new byte[65536];
        var local = (IPEndPoint)socket.LocalEndPoint!;
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                // ICMP port unreachable from a peer that is down surfaces here; it is not fatal.
                _logger.LogDebug("IKE receive: {Message}", e.Message);
                continue;
            }
            // Taken before the engine lock: a gateway probe's round trip must not include waiting for it.
            long receivedAt = _time.GetTimestamp();
            var remote = (IPEndPoint)r.RemoteEndPoint;
            var payload = buffer.AsSpan(0, r.ReceivedBytes);
            if (natT)
            {
                // RFC 3948 §2.2: a zero "non-ESP marker" precedes IKE on 4500; a single 0xFF is a keepalive.
                if (payload.Length == 1 && payload[0] == 0xFF) continue;
                // Too short for the marker or an SPI: the engine counts it as a malformed IKE message.
                if (payload.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(payload) != 0)
                {
                    _childSaSink.DeliverEspInUdp(local, remote, payload);
                    continue;
                }
                if (payload.Length >= 4) payload = payload[4..];
            }
            lock (_gate)
            {
                if (!natT && ProbeAnswered(remote, payload, receivedAt)) continue;
                if (HandleIkeV1(local, remote, payload)) continue;
                _engine.HandleDatagram(local, remote, payload);
                Flush();
            }
        }
    }

    private async Task TimerLoop()
    {
        // The engine's clock: a deadlock on the engine lock or a hung tick stops these beats, and systemd restarts us.
        using var heartbeat = _heartbeats.Register("ike-engine");
        while (!_stop.IsCancellationRequested)
        {
            heartbeat.Beat();
            TimeSpan? next;
            WatchWanAddress();
            lock (_gate)
            {
                TickGateways();
                RunDueRestarts();
                CloseInactive();
                EndChildlessIkeSas();
                next = _engine.Tick();
                Flush();
                if (TickIkeV1() is { } v1 && (next is not { } n2 || v1 < n2)) next = v1;
            }
            // This loop runs at least once a second; feeding here makes the heartbeat LED prove the engine is alive.
            _watchdog.Feed();
            TimeSpan wait = next is { } n && n < TimeSpan.FromSeconds(1) ? (n < TimeSpan.Zero ? TimeSpan.Zero : n) : TimeSpan.FromSeconds(1);
            try { await _wake.WaitAsync(wait, _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>
    /// The tunnel went away without us asking: bring it back per its DpdAction. Failures that will not fix
    /// themselves (a wrong key, no common proposal) are retried slowly, so a corrected HQ is picked up
    /// without a technician, yet the box does not hammer HQ.
    /// </summary>
    private void ScheduleRestart(string tunnel, bool configurationFailure)
    {
        if (_stopping || IsAdminDown(tunnel) || !_options.Tunnels.TryGetValue(tunnel, out var t) || t.RemoteAddress == "%any") return;
        string action = t.DpdAction ?? (t.Start == "always" ? "restart" : "clear");
        if (action != "restart") return;
        TimeSpan delay = configurationFailure ? _options.Ike.AuthFailureRetry : _options.Ike.RestartDelay;
        var at = _time.GetUtcNow() + delay;
        if (_restartAt.TryGetValue(tunnel, out var existing) && existing <= at) return;
        _restartAt[tunnel] = at;
        _logger.LogInformation("{Tunnel}: re-initiating in {Delay}", tunnel, delay);
    }

    private void RunDueRestarts()
    {
        if (_restartAt.Count == 0) return;
        var now = _time.GetUtcNow();
        foreach (var (tunnel, at) in _restartAt.ToArray())
        {
            if (at > now) continue;
            _restartAt.Remove(tunnel);
            _health.Set(tunnel, TunnelHealthState.Negotiating);
            // After a failure the selector may point elsewhere: the attempt goes there.
            if (MoveToChosenGateway(tunnel)) continue;
            _engine.Initiate(tunnel);
        }
    }

    /// <summary>Sends what the engine queued and handles its events. Caller holds the lock.</summary>
    private void Flush()
    {
        // Events before messages: what the engine just decided takes effect here before the peer can act on it.
        // A responder's new Child SA is in the data plane before its CREATE_CHILD_SA (or IKE_AUTH) answer leaves,
        // so the peer's first packet on it finds it; an initiator switches to the new SA before its DELETE of
        // the old one leaves. Sending first raced the peer's packets against this thread (unknown SPI drops).
        bool more;
        do
        {
            more = false;
            while (_engine.TryDequeueEvent(out var e)) { Handle(e); more = true; }
            while (_engine.TryDequeueOutgoing(out var d)) { Send(d); more = true; }
        }
        while (more);
    }

    private void Send(OutgoingDatagram d)
    {
        bool natT = d.Local.Port == _options.Ike.NatTraversalPort;
        Socket? socket = natT ? _natT : _ike;
        if (socket is null) return;
        try
        {
            if (natT)
            {
                byte[] framed = new byte[d.Payload.Length + 4];
                d.Payload.CopyTo(framed, 4);
                socket.SendTo(framed, d.Remote);
            }
            else
            {
                socket.SendTo(d.Payload, d.Remote);
            }
        }
        catch (SocketException e)
        {
            // Answers to a spoofed flood can fail by the thousand (no route, full buffers): one line per interval.
            long now = _time.GetTimestamp();
            if (_sendFailuresHeld == 0 || _time.GetElapsedTime(_sendFailureLoggedAt, now) >= IkeEngine.UnauthenticatedLogInterval)
            {
                _logger.LogWarning("IKE send to {Remote} failed: {Message}{Held}", d.Remote, e.Message,
                    _sendFailuresHeld > 1 ? $" ({_sendFailuresHeld - 1} more failed sends since the last line)" : "");
                _sendFailureLoggedAt = now;
                _sendFailuresHeld = 1;
            }
            else
            {
                _sendFailuresHeld++;
            }
        }
        catch (ObjectDisposedException) { }
    }

    private void Handle(IkeEvent e)
    {
        if (IsRemoteAccessTunnel(e.TunnelName))
        {
            HandleRemoteAccess(e);
            return;
        }
        switch (e)
        {
            case IkeSaEstablished s:
                _logger.LogInformation("{Tunnel}: IKE SA {SpiI:x16}_i {SpiR:x16}_r established with {Remote} ({Suite}){Nat}",
                    s.TunnelName, s.InitiatorSpi, s.ResponderSpi, s.Remote, s.Suite, s.NatDetected ? ", NAT detected" : "");
                _keyLog?.Write(s.Keys);
                _ikeSas.Add((s.InitiatorSpi, s.ResponderSpi));
                _health.Set(s.TunnelName, TunnelHealthState.Negotiating);
                _restartAt.Remove(s.TunnelName);
                break;
            case ChildSaEstablished c:
                InstallChildSa(c);
                _idleClosed.Remove(c.TunnelName);
                _childlessUntil.Remove(c.TunnelName);
                _health.Set(c.TunnelName, TunnelHealthState.Up);
                break;
            case ChildSaDeleted d:
                _logger.LogInformation("{Tunnel}: Child SA {SpiIn:x8}_i {SpiOut:x8}_o deleted ({Reason})", d.TunnelName, d.InboundSpi, d.OutboundSpi, d.Reason);
                RemoveChildSa(d);
                // The last Child SA ended without a successor (hard lifetime, or the peer deleted it) but the IKE SA lives
                // on: the tunnel carries nothing. Start over, so Start/DpdAction decide as after any other outage.
                // The peer may be about to make a new one on the same IKE SA (strongSwan recreates after a hard expiry), so wait a moment.
                if (!d.Replaced && !_children.Values.Any(c => c.TunnelName == d.TunnelName) && HasIkeSa(d.TunnelName)
                    && _childlessUntil.TryAdd(d.TunnelName, _time.GetUtcNow() + _options.Ike.RestartDelay))
                {
                    _logger.LogWarning("{Tunnel}: no Child SA left on the IKE SA; re-establishing the tunnel in {Delay} unless a new one is made",
                        d.TunnelName, _options.Ike.RestartDelay);
                }
                break;
            case PeerEndpointChanged p:
                _logger.LogInformation("{Tunnel}: peer now at {Remote} (local {Local}), {Count} Child SAs follow", p.TunnelName, p.Remote, p.Local, p.InboundSpis.Count);
                FollowPeer(p);
                break;
            case IkeSaDeleted d:
                _logger.LogInformation("{Tunnel}: IKE SA {SpiI:x16}_i {SpiR:x16}_r deleted ({Reason})", d.TunnelName, d.InitiatorSpi, d.ResponderSpi, d.Reason);
                _ikeSas.Remove((d.InitiatorSpi, d.ResponderSpi));
                if (!HasIkeSa(d.TunnelName)) _childlessUntil.Remove(d.TunnelName);
                // HQ's resolvers are reachable only through the tunnel: gone with its last IKE SA (a rekey keeps them).
                if (!d.Replaced && !HasIkeSa(d.TunnelName)) _hqDns?.Set(d.TunnelName, []);
                // An SA left behind by a WAN address change: the tunnel was already re-added from the new address.
                if (_retiredIkeSas.Remove((d.InitiatorSpi, d.ResponderSpi))) break;
                // Moved to another gateway on purpose: that is no failure of the old one.
                if (_switchingGateway.Contains(d.TunnelName)) break;
                if (!HasIkeSa(d.TunnelName) && _idleClosed.Contains(d.TunnelName))
                {
                    _health.Set(d.TunnelName, TunnelHealthState.Down);
                    break;
                }
                // A rekeyed SA's successor carries the tunnel on: that is no outage.
                if (!d.Replaced && !HasIkeSa(d.TunnelName))
                {
                    _health.Set(d.TunnelName, TunnelHealthState.Down);
                    GatewayFailed(d.TunnelName, d.Reason, null);
                    ScheduleRestart(d.TunnelName, configurationFailure: false);
                }
                break;
            case AuthenticationFailed f:
                _logger.LogError("{Tunnel}: authentication failed: {Detail}", f.TunnelName, f.Detail);
                _health.Set(f.TunnelName, TunnelHealthState.AuthFailed);
                ScheduleRestart(f.TunnelName, configurationFailure: true);
                break;
            case NoProposalChosen n:
                _logger.LogError("{Tunnel}: no proposal chosen: {Detail}", n.TunnelName, n.Detail);
                _health.Set(n.TunnelName, TunnelHealthState.NoProposal);
                ScheduleRestart(n.TunnelName, configurationFailure: true);
                break;
            case PeerUnreachable p:
                _logger.LogWarning("{Tunnel}: peer unreachable: {Detail}", p.TunnelName, p.Detail);
                _health.Set(p.TunnelName, TunnelHealthState.PeerUnreachable);
                GatewayFailed(p.TunnelName, p.Detail, p.Remote?.Address);
                ScheduleRestart(p.TunnelName, configurationFailure: false);
                break;
            case TrafficSelectorsUnacceptable t:
                _logger.LogError("{Tunnel}: traffic selectors unacceptable: {Detail}", t.TunnelName, t.Detail);
                _health.Set(t.TunnelName, TunnelHealthState.Down);
                ScheduleRestart(t.TunnelName, configurationFailure: true);
                break;
            case VirtualAddressesAssigned v:
                if (v.Missing is not null)
                    _logger.LogWarning("{Tunnel}: HQ gave no DNS servers: {Why}; the \"hq\" DNS upstream has none from this tunnel", v.TunnelName, v.Missing);
                else
                    _logger.LogInformation("{Tunnel}: HQ's DNS servers {Dns}{Domains}", v.TunnelName,
                        v.Assignment.Dns.Count == 0 ? "(none)" : string.Join(", ", v.Assignment.Dns),
                        v.Assignment.DnsDomains.Count == 0 ? "" : $", domains {string.Join(", ", v.Assignment.DnsDomains)}");
                _hqDns?.Set(v.TunnelName, v.Assignment.Dns);
                break;
            case IkeSaFailed f:
                _logger.LogWarning("{Tunnel}: IKE SA failed: {Detail}", f.TunnelName, f.Detail);
                if (!HasIkeSa(f.TunnelName))
                {
                    _health.Set(f.TunnelName, TunnelHealthState.Down);
                    ScheduleRestart(f.TunnelName, configurationFailure: false);
                }
                break;
            default:
                _logger.LogDebug("{Tunnel}: {Event}", e.TunnelName, e.GetType().Name);
                break;
        }
    }

    /// <summary>The peer's NAT mapping moved: the data plane must send ESP-in-UDP of these Child SAs to the new endpoint.</summary>
    private void FollowPeer(PeerEndpointChanged p)
    {
        foreach (uint inbound in p.InboundSpis)
        {
            foreach (var (key, child) in _children.Where(c => c.Key.In == inbound).ToArray())
            {
                if (child.LocalEndpoint.Equals(p.Local) && child.RemoteEndpoint.Equals(p.Remote)) continue;
                var moved = child with { LocalEndpoint = p.Local, RemoteEndpoint = p.Remote };
                _children[key] = moved;
                _childSaSink.UpdateEndpoints(moved);
            }
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _wake.Dispose();
        _ike?.Dispose();
        _natT?.Dispose();
    }
}

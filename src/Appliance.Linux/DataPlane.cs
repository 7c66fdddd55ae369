using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Appliance.Ipsec;
using Appliance.Linux.Io;
using Appliance.Linux.Policy;
using Appliance.Linux.Routing;
using Appliance.Linux.Sa;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

/// <summary>
/// The user-space IPsec data plane: captures LAN packets on an AF_PACKET socket, applies the SPD,
/// seals them with the tunnel's outbound ESP SA and sends them as IP protocol 50 on the WAN NIC
/// (or hands them to the host for UDP 4500); opens arriving ESP, checks the inner packet against
/// the SA's selectors and hands it to the kernel for delivery on the LAN NIC. A kill switch keeps
/// every remote selector routed to a blackhole in the kernel, so nothing protected leaves in clear.
/// One worker thread per direction moves whole batches per syscall.
/// </summary>
public sealed partial class DataPlane : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private const int Headroom = 64;

    private readonly DataPlaneOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Spd _spd;
    private KillSwitch? _killSwitch;
    private readonly object _gate = new();
    private readonly long[] _lastTrap;
    private readonly HeldPackets _held;
    // The MTU tunnel MTUs are computed from: DataPlaneOptions.WanMtu, or the WAN NIC's as last read.
    private volatile int _wanMtu;
    private readonly Packets.LanIpv6Source _lanIpv6;
    private readonly Packets.IcmpRateLimit _icmpLimit;

    private OutboundSa?[] _outbound;
    private Dictionary<uint, InboundSa> _inbound = new();
    private readonly List<(SaInstall Sa, OutboundSa Out, InboundSa In)> _installed = new();
    // Removed SAs wait here for RetireGrace before their ciphers are disposed and their keys wiped.
    private readonly List<(long RemovedAt, SaInstall Sa, OutboundSa Out, InboundSa In)> _retired = new();
    private ITimer? _retireTimer;

    private LanCapture? _lan;
    private RawIpWriter? _writer;
    private LanInjector? _injector;
    // LAN hosts' MACs, learned from the frames they send into the tunnel, so replies can be handed
    // over as (GSO) frames; unknown hosts get their packets through the kernel's IPPROTO_RAW path.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, ulong> _neighbours = new();
    private EspWanSocket? _wan, _wanAh;
    private Thread? _lanThread, _wanThread, _wanAhThread, _tunThread;
    private TunDevice? _tun;
    private ITimer? _keepaliveTimer;
    private readonly HashSet<(uint, uint)> _softReported = new();
    private volatile bool _stopping;

    public DataPlane(DataPlaneOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Excluded = new ExcludedAddresses(options.MaxExcludedAddresses, time);
        _spd = new Spd(options.Tunnels, Excluded);
        _outbound = new OutboundSa?[_spd.Count];
        InitClientSlots();
        InitServiceSlots();
        _lastTrap = new long[_spd.Count];
        _held = new HeldPackets(_spd.Count, options.HoldPackets, options.HoldTime, time);
        _wanMtu = options.WanMtu ?? 1500;
        _lanIpv6 = new Packets.LanIpv6Source(options.LanInterface, time);
        _icmpLimit = new Packets.IcmpRateLimit(time);
        for (int i = 0; i < _lastTrap.Length; i++) _lastTrap[i] = long.MinValue / 2;
    }

    /// <summary>Watches the calling worker thread's loop (by its thread name) for the systemd watchdog; null when nobody watches.</summary>
    private Common.Heartbeat? RegisterHeartbeat() => _options.Heartbeats?.Register(Thread.CurrentThread.Name ?? "dp-worker");

    /// <summary>Per-SA traffic and per-reason drop counters.</summary>
    public DataPlaneCounters Counters { get; } = new();

    /// <summary>
    /// Sends one ESP-in-UDP packet (RFC 3948) from the host's UDP 4500 socket (the IKE socket owns the
    /// port). The memory is only valid during the call. Return false when the send failed.
    /// NAT keepalives (a single 0xFF byte) go through here too.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, IPEndPoint, bool>? SendEspInUdp { get; set; }

    /// <summary>An SA pair (inbound SPI, outbound SPI) reached its soft byte/packet lifetime: rekey it. Raised once per pair, from the packet that crossed the limit (on the thread pool).</summary>
    public event Action<uint, uint>? SoftLifetimeReached;

    /// <summary>A packet matched a trap tunnel that has no SA: the host should initiate IKE for it.</summary>
    public event Action<string>? TrapTriggered;

    /// <summary>Peers that need NAT keepalives (UDP-encapsulated SAs), every <see cref="DataPlaneOptions.NatKeepaliveInterval"/>.</summary>
    public IReadOnlyList<IPEndPoint> NatKeepaliveTargets
    {
        get { lock (_gate) return _installed.Where(s => s.Sa.UdpEncapsulation).Select(s => s.Sa.Remote).Distinct().ToArray(); }
    }

    /// <summary>The largest inner packet the tunnel's current SA carries without fragmenting the outer packet.</summary>
    public int? TunnelMtu(string tunnel)
    {
        int index = _spd.IndexOf(tunnel);
        return index < 0 ? null : Volatile.Read(ref _outbound)[index]?.TunnelMtu;
    }

    /// <summary>Installs the kill switch routes, opens the sockets and starts the worker threads.</summary>
    public void Start()
    {
        _killSwitch = new KillSwitch(_options.RouteTable, _options.RulePriority, _options.LanInterface);
        var (added, removed) = _killSwitch.Apply(DesiredRoutes(), PeerHostRoutes());
        _logger.LogInformation("kill switch: table {Table}, {Added} routes added, {Removed} stale removed", _options.RouteTable, added, removed);
        _lan = new LanCapture(_options.LanInterface, PollInterval);
        _writer = new RawIpWriter(_options.LanInterface);
        if (_options.CoalesceDelivery) _injector = new LanInjector(_options.LanInterface);
        _wan = new EspWanSocket(_options.WanInterface, (int)SaProtocol.Esp, PollInterval);
        _wanAh = new EspWanSocket(_options.WanInterface, (int)SaProtocol.Ah, PollInterval, headerIncluded: true);
        StartWanFrames();
        StartWanFrameReceive();
        RefreshWanMtu();
        _lanThread = new Thread(LanLoop) { IsBackground = true, Name = "dp-lan-out" };
        _wanThread = new Thread(() => WanLoop(_wan)) { IsBackground = true, Name = "dp-wan-esp" };
        _wanAhThread = new Thread(() => WanLoop(_wanAh)) { IsBackground = true, Name = "dp-wan-ah" };
        _lanThread.Start();
        _wanThread.Start();
        _wanAhThread.Start();
        StartUdpWorker();
        var own = _options.LocalSource is { } source ? OwnTrafficRoutes.Prefixes(_options.Tunnels, source) : [];
        _fullTunnelLocals = _options.LocalSource is { } from ? OwnTrafficRoutes.FullTunnelLocals(_options.Tunnels, from) : null;
        if (_options.EnableTransportMode || own.Count > 0 || _fullTunnelLocals is not null)
        {
            _tun = new TunDevice(_options.TransportInterface, _wanMtu - 80);
            _tunThread = new Thread(TunLoop) { IsBackground = true, Name = "dp-transport" };
            _tunThread.Start();
        }
        if (own.Count > 0 || _fullTunnelLocals is not null)
        {
            _ownTraffic = own;
            // At boot the LAN address may not be on the NIC yet (the service or networkd adds it): the kernel refuses a
            // route with a source it does not have (EINVAL), so that waits, retried every 2 s, instead of failing the start.
            if (!TryInstallOwnTraffic()) _ownTrafficTimer = _time.CreateTimer(_ => TryInstallOwnTraffic(), null, OwnTrafficRetry, OwnTrafficRetry);
        }
        _keepaliveTimer = _time.CreateTimer(_ => SendNatKeepalives(), null, _options.NatKeepaliveInterval, _options.NatKeepaliveInterval);
        StartExclusions();
        _logger.LogInformation("data plane started: LAN {Lan}, WAN {Wan}, {Tunnels} tunnels", _options.LanInterface, _options.WanInterface, _spd.Count);
    }

    /// <summary>
    /// Whether a site tunnel carries everything (0.0.0.0/0) for <paramref name="source"/>: its own packets from that
    /// address then enter the tunnel (see <see cref="OwnTrafficRoutes"/>), which the DNS forwarder relies on.
    /// </summary>
    public static bool IsFullTunnelFor(IEnumerable<TunnelPolicy> tunnels, IPAddress source) =>
        OwnTrafficRoutes.FullTunnelLocals(tunnels, source) is not null;

    private static readonly TimeSpan OwnTrafficRetry = TimeSpan.FromSeconds(2);
    private IReadOnlyList<IPNetwork> _ownTraffic = [];
    private IReadOnlyList<IPNetwork>? _fullTunnelLocals;
    private ITimer? _ownTrafficTimer;
    private int _ownTrafficInstalled, _ownTrafficWaitLogged;

    private bool TryInstallOwnTraffic()
    {
        if (Volatile.Read(ref _ownTrafficInstalled) == 1 || _stopping || _tun is null || _killSwitch is null) return true;
        try
        {
            _killSwitch.InstallOwnTraffic(_ownTraffic, _options.LocalSource!, _tun.IfIndex, _fullTunnelLocals);
        }
        catch (IOException e)
        {
            if (Interlocked.Exchange(ref _ownTrafficWaitLogged, 1) == 0)
                _logger.LogWarning("the box's own traffic into the tunnels waits for its LAN address {Source}: {Message}", _options.LocalSource, e.Message);
            return false;
        }
        if (Interlocked.Exchange(ref _ownTrafficInstalled, 1) == 0)
            _logger.LogInformation("the box's own traffic from {Source} to {Prefixes} enters the tunnels", _options.LocalSource,
                _fullTunnelLocals is null ? string.Join(", ", _ownTraffic) : "everywhere but the office's subnets (full tunnel)");
        _ownTrafficTimer?.Dispose();
        return true;
    }

    /// <summary>Installs an SA pair; the new outbound SA replaces the tunnel's current one (rekey), the old inbound SA stays until removed.</summary>
    public void InstallSa(SaInstall sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        int index = _spd.IndexOf(sa.Tunnel);
        if (index < 0) throw new ArgumentException($"unknown tunnel '{sa.Tunnel}'", nameof(sa));
        bool service = IsServiceTunnel(index);
        if (service && (sa.Mode != IpsecMode.Transport || sa.Protocol != SaProtocol.Esp))
            throw new NotSupportedException("a local service's SAs are transport-mode ESP SAs");
        if (!service && sa.Mode == IpsecMode.Transport && (_tun == null || sa.UdpEncapsulation))
            throw new NotSupportedException("transport mode needs DataPlaneOptions.EnableTransportMode and no UDP encapsulation");
        if (sa.Protocol == SaProtocol.Ah && sa.UdpEncapsulation) throw new NotSupportedException("AH cannot be UDP-encapsulated (RFC 3948 covers ESP only)");
        if (!sa.UdpEncapsulation && sa.Remote.AddressFamily != AddressFamily.InterNetwork)
            throw new NotSupportedException("raw ESP/AH is sent over IPv4 only; use UDP encapsulation for an IPv6 peer");

        var counters = new SaCounters();
        RefreshWanMtu();
        var outbound = new OutboundSa(sa, _wanMtu, counters);
        var inbound = new InboundSa(sa, counters);
        outbound.SoftLifetime.OnReached = inbound.SoftLifetime.OnReached = () => ReportSoftLifetime(sa.InboundSpi, sa.OutboundSpi);
        bool needsThrow;
        lock (_gate)
        {
            var map = new Dictionary<uint, InboundSa>(_inbound) { [sa.InboundSpi] = inbound };
            Volatile.Write(ref _inbound, map);
            bool hasCurrent = service ? _serviceOut.ContainsKey(sa.Remote)
                : sa.Mode == IpsecMode.Transport ? _transportOut.ContainsKey(PeerKey(sa))
                : IsPerClient(index) ? HasClientSa(index, sa) : _outbound[index] != null;
            if (sa.ReceiveOnly) { } // never sends; not a successor either (see RemoveSa)
            else if (sa.DeferOutbound && hasCurrent)
                inbound.PendingOutbound = outbound;
            else
                Activate(sa, outbound, index);
            _installed.Add((sa, outbound, inbound));
            Counters.Register(sa, counters);
            needsThrow = _options.Tunnels.Any(t => Prefix.From(t.RemoteTs).Any(p => p.Contains(sa.Remote.Address.GetAddressBytes())));
        }
        if (sa.UdpEncapsulation) WakeUdpWorker();
        if (needsThrow) _killSwitch?.Apply(DesiredRoutes(), PeerHostRoutes());
        if (sa.Mode == IpsecMode.Transport && !service) _killSwitch?.InstallTransport(sa.Remote.Address, sa.Local.Address, _tun!.IfIndex);
        _logger.LogDebug("installed {Sa}, tunnel MTU {Mtu}", sa.ToString(), outbound.TunnelMtu);
    }

    /// <summary>Makes <paramref name="outbound"/> the SA the tunnel (or transport peer) sends on. Caller holds _gate.</summary>
    private void Activate(SaInstall sa, OutboundSa outbound, int index)
    {
        if (IsServiceTunnel(index))
        {
            ActivateService(outbound);
        }
        else if (sa.Mode == IpsecMode.Transport)
        {
            var transport = new Dictionary<uint, OutboundSa>(_transportOut) { [PeerKey(sa)] = outbound };
            Volatile.Write(ref _transportOut, transport);
        }
        else if (IsPerClient(index))
        {
            ActivateClient(index, outbound);
        }
        else
        {
            var outs = (OutboundSa?[])_outbound.Clone();
            outs[index] = outbound;
            Volatile.Write(ref _outbound, outs);
        }
    }

    /// <summary>The first packet arrived on an SA whose outbound half waited for the peer: the peer has it, send on it now.</summary>
    private void ActivatePending(InboundSa inbound)
    {
        lock (_gate)
        {
            if (inbound.PendingOutbound is not { } outbound) return;
            inbound.PendingOutbound = null;
            Activate(inbound.Install, outbound, _spd.IndexOf(inbound.Install.Tunnel));
        }
        _logger.LogInformation("SA in 0x{In:x8} out 0x{Out:x8}: the peer sends on it, so it is used outbound now", inbound.Install.InboundSpi, inbound.Install.OutboundSpi);
    }

    /// <summary>
    /// Removes an SA pair (delete or end of rekey); the tunnel stays blackholed. Nothing is sent on it from now on;
    /// what arrives on it is still opened for <see cref="RetireGrace"/>.
    /// </summary>
    public void RemoveSa(uint inboundSpi, uint outboundSpi)
    {
        lock (_gate)
        {
            int i = _installed.FindIndex(s => s.Sa.InboundSpi == inboundSpi && s.Sa.OutboundSpi == outboundSpi);
            if (i < 0) return;
            var (sa, outbound, removedIn) = _installed[i];
            _installed.RemoveAt(i);
            // The inbound half stays in the SPI table until it is released (RetireGrace): the peer's packets
            // sealed before its DELETE or its switch to the new SA may still be on the way, behind or beside
            // the IKE message (strongSwan keeps a rekeyed inbound SA 5 s for the same reason, delete_rekeyed_delay).
            // It can no longer switch the tunnel's outbound SA.
            removedIn.PendingOutbound = null;
            int index = _spd.IndexOf(sa.Tunnel);
            if (IsServiceTunnel(index))
            {
                RemoveService(sa, outbound);
            }
            else if (sa.Mode == IpsecMode.Transport)
            {
                var transport = new Dictionary<uint, OutboundSa>(_transportOut);
                if (transport.TryGetValue(PeerKey(sa), out var current) && ReferenceEquals(current, outbound))
                {
                    var successor = _installed.LastOrDefault(s => s.Sa.Mode == IpsecMode.Transport && PeerKey(s.Sa) == PeerKey(sa) && !s.Sa.ReceiveOnly);
                    if (successor.Out != null)
                    {
                        transport[PeerKey(sa)] = successor.Out;
                        successor.In.PendingOutbound = null;
                    }
                    else transport.Remove(PeerKey(sa));
                }
                Volatile.Write(ref _transportOut, transport);
            }
            var outs = (OutboundSa?[])_outbound.Clone();
            if (IsPerClient(index))
                RemoveClient(index, sa, outbound);
            else if (ReferenceEquals(outs[index], outbound))
            {
                // The old SA is gone (the peer's DELETE after its rekey): the newest one carries the tunnel, waiting or not.
                var successor = _installed.LastOrDefault(s => s.Sa.Tunnel == sa.Tunnel && s.Sa.Mode == IpsecMode.Tunnel && !s.Sa.ReceiveOnly);
                outs[index] = successor.Out;
                if (successor.In?.PendingOutbound is not null)
                {
                    successor.In.PendingOutbound = null;
                    _logger.LogInformation("SA in 0x{In:x8} out 0x{Out:x8}: the old SA is gone, so it is used outbound now",
                        successor.Sa.InboundSpi, successor.Sa.OutboundSpi);
                }
            }
            Volatile.Write(ref _outbound, outs);
            Counters.Unregister(sa);
            if (sa.UdpEncapsulation) WakeUdpWorker();
            _retired.Add((_time.GetTimestamp(), sa, outbound, removedIn));
            _retireTimer ??= _time.CreateTimer(_ => ReleaseRetired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _retireTimer.Change(RetireGrace, Timeout.InfiniteTimeSpan);
            _logger.LogDebug("removed SA in 0x{In:x8} out 0x{Out:x8}", inboundSpi, outboundSpi);
        }
    }

    /// <summary>Follows the WAN NIC's MTU unless the options fix it; SAs installed from now on use it.</summary>
    private void RefreshWanMtu()
    {
        if (_options.WanMtu is not null || _wan is null) return;
        int? mtu = Io.InterfaceRequest.Mtu(_wan.Fd, _options.WanInterface);
        if (mtu is not { } now || now == _wanMtu) return;
        if (now < 576)
        {
            _logger.LogWarning("WAN {Interface} reports MTU {Mtu}; keeping {Current} for the tunnel MTU", _options.WanInterface, now, _wanMtu);
            return;
        }
        _logger.LogInformation("WAN {Interface} MTU {Mtu}: tunnel MTUs are computed from it", _options.WanInterface, now);
        _wanMtu = now;
    }

    /// <summary>
    /// How long a removed SA's inbound half keeps opening packets, and its ciphers outlive its removal. The peer's
    /// last packets on it can arrive after the IKE message that removed it (another socket, another thread on
    /// either side); a worker holds what it read from the SA tables for one batch only. Then keys are wiped.
    /// </summary>
    internal static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(3);

    /// <summary>Ends SAs removed at least <see cref="RetireGrace"/> ago: out of the SPI table, ciphers disposed, keys wiped.</summary>
    private void ReleaseRetired()
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            TimeSpan? next = null;
            for (int i = 0; i < _retired.Count; i++)
            {
                var (removedAt, sa, outbound, inbound) = _retired[i];
                TimeSpan left = RetireGrace - _time.GetElapsedTime(removedAt, now);
                if (left > TimeSpan.Zero) { next = next is { } n && n < left ? n : left; continue; }
                if (Volatile.Read(ref _inbound).TryGetValue(sa.InboundSpi, out var mapped) && ReferenceEquals(mapped, inbound))
                {
                    var map = new Dictionary<uint, InboundSa>(_inbound);
                    map.Remove(sa.InboundSpi);
                    Volatile.Write(ref _inbound, map);
                }
                Release(sa, outbound, inbound);
                _retired.RemoveAt(i--);
            }
            if (next is { } due) _retireTimer?.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends an SA's key material in this process: the ciphers' native state is freed, the installed key bytes zeroed.</summary>
    private static void Release(SaInstall sa, OutboundSa outbound, InboundSa inbound)
    {
        outbound.Dispose();
        inbound.Dispose();
        CryptographicOperations.ZeroMemory(sa.InboundEncryptionKey);
        CryptographicOperations.ZeroMemory(sa.InboundIntegrityKey);
        CryptographicOperations.ZeroMemory(sa.OutboundEncryptionKey);
        CryptographicOperations.ZeroMemory(sa.OutboundIntegrityKey);
    }

    /// <summary>Sends a NAT keepalive (RFC 3948 §2.3: one 0xFF byte) to every UDP-encapsulated peer.</summary>
    public void SendNatKeepalives()
    {
        var send = SendEspInUdp;
        if (send == null) return;
        ReadOnlyMemory<byte> keepalive = new byte[] { 0xFF };
        foreach (var peer in NatKeepaliveTargets) send(keepalive, peer);
    }

    /// <summary>Tells the host once per SA pair; off the packet thread, since the host's IKE work takes its own lock.</summary>
    private void ReportSoftLifetime(uint inbound, uint outbound)
    {
        lock (_gate)
            if (!_softReported.Add((inbound, outbound))) return;
        ThreadPool.QueueUserWorkItem(_ =>
        {
            _logger.LogInformation("SA in 0x{In:x8} out 0x{Out:x8} reached its soft lifetime", inbound, outbound);
            SoftLifetimeReached?.Invoke(inbound, outbound);
        });
    }

    /// <summary>The routes the kill switch table must hold now.</summary>
    internal IEnumerable<KillSwitchRoute> DesiredRoutes()
    {
        var routes = new List<KillSwitchRoute>();
        var blackholes = new List<Prefix>();
        foreach (var t in _options.Tunnels)
        {
            foreach (var r in t.RemoteTs) { routes.Add(new(r, KillSwitchAction.Blackhole)); blackholes.Add(new Prefix(r)); }
            foreach (var b in t.Bypass) routes.Add(new(b, KillSwitchAction.Throw));
            // A full tunnel's default route covers the office's own subnets: traffic between them stays local.
            foreach (var local in t.LocalTs)
                if (!t.PerClient && t.RemoteTs.Any(r => r.PrefixLength == 0 && r.BaseAddress.AddressFamily == local.BaseAddress.AddressFamily))
                    routes.Add(new(local, KillSwitchAction.Throw));
        }
        foreach (var e in Excluded.Snapshot()) routes.Add(new(HostPrefix(e.Address), KillSwitchAction.Throw));
        foreach (var peer in Peers())
            if (blackholes.Any(p => p.Contains(peer.GetAddressBytes()))) routes.Add(new(HostPrefix(peer), KillSwitchAction.Throw));
        return routes;
    }

    /// <summary>Every peer address: configured gateways and the remote ends of installed SAs.</summary>
    private List<IPAddress> Peers()
    {
        IEnumerable<IPAddress> peers = _options.Tunnels.SelectMany(t => t.PeerAddresses);
        lock (_gate) return [.. peers.Concat(_installed.Select(s => s.Sa.Remote.Address)).Distinct()];
    }

    /// <summary>The peers' host routes: the box's own IKE and ESP need their throws, the LAN does not (KillSwitch.Apply).</summary>
    private List<IPNetwork> PeerHostRoutes() => [.. Peers().Select(HostPrefix)];

    /// <summary>Empties the kill switch table: only when the tunnels are deconfigured, never on shutdown.</summary>
    public static void RemoveKillSwitch(uint routeTable = 161, uint rulePriority = 161)
    {
        using var killSwitch = new KillSwitch(routeTable, rulePriority);
        killSwitch.Apply([]);
    }

    /// <summary>The kill switch table's current routes (for status and tests).</summary>
    public IReadOnlyList<KillSwitchRoute> KillSwitchRoutes => _killSwitch?.ListRoutes() ?? [];

    /// <summary>Stops the worker threads and closes the sockets. The kill switch routes stay.</summary>
    public void Dispose()
    {
        _stopping = true;
        _keepaliveTimer?.Dispose();
        _exclusionTimer?.Dispose();
        StopWanFrameReceive();
        _lanThread?.Join();
        _wanThread?.Join();
        _wanAhThread?.Join();
        _tunThread?.Join();
        StopUdpWorker();
        _lan?.Dispose();
        _writer?.Dispose();
        _injector?.Dispose();
        _ownTrafficTimer?.Dispose();
        _tun?.Dispose();
        _wan?.Dispose();
        _wanAh?.Dispose();
        _frames?.Dispose();
        _resolver?.Dispose();
        _killSwitch?.Dispose();
        lock (_gate)
        {
            _retireTimer?.Dispose();
            foreach (var (sa, o, i) in _installed) Release(sa, o, i);
            foreach (var (_, sa, o, i) in _retired) Release(sa, o, i);
            _installed.Clear();
            _retired.Clear();
        }
    }

    private void RaiseTrap(int tunnel)
    {
        var policy = _spd.Tunnel(tunnel);
        if (!policy.Trap) return;
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(Volatile.Read(ref _lastTrap[tunnel]), now) < _options.TrapHoldDown) return;
        Volatile.Write(ref _lastTrap[tunnel], now);
        Counters.Trap();
        var handler = TrapTriggered;
        if (handler != null) ThreadPool.QueueUserWorkItem(_ => handler(policy.Name));
    }
}

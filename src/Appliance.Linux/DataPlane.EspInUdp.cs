using System.Net;
using System.Net.Sockets;
using Appliance.Ipsec.Esp;
using Appliance.Linux.Io;
using Appliance.Linux.Native;
using Appliance.Linux.Packets;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

/// <summary>An IKE message (the non-ESP marker removed) that arrived on one of the data plane's UDP 4500 sockets.</summary>
public delegate void NatTraversalIkeHandler(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> message);

public sealed partial class DataPlane
{
    private const int UdpReceiveSlots = 16;
    private static readonly TimeSpan UdpReconcileInterval = TimeSpan.FromSeconds(1);
    // A socket no SA uses any more is closed this long after, so a worker that just read it from an SA is done with it.
    private static readonly TimeSpan UdpRetireDelay = TimeSpan.FromSeconds(1);

    // Owned by the UDP worker: one connected socket per (local, remote) NAT-T endpoint pair of an installed SA.
    private readonly Dictionary<(IPEndPoint Local, IPEndPoint Remote), EspUdpSocket> _udpSockets = new();
    private readonly List<(EspUdpSocket Socket, long Since)> _udpRetiring = new();
    private readonly HashSet<(IPEndPoint, IPEndPoint)> _udpOpenFailed = new();
    // Installed remote endpoints IKE saw move (NAT rebinding); copy-on-write under _gate.
    private HashSet<IPEndPoint> _movedPeers = new();
    private volatile bool _udpReconcile;
    private int _udpWakeFd = -1;
    private Thread? _udpThread;

    /// <summary>
    /// IKE messages from a peer with a UDP-encapsulated SA arrive on the data plane's socket for that peer (it shares
    /// port 4500 with the host's): they are handed over here, non-ESP marker removed. Unset, they are dropped.
    /// The host's 4500 socket needs SO_REUSEPORT (or SO_REUSEADDR) for the data plane to share the port; without it
    /// ESP-in-UDP keeps going one packet at a time through <see cref="SendEspInUdp"/> and <see cref="DeliverEspInUdp"/>.
    /// </summary>
    public NatTraversalIkeHandler? NatTraversalIkeReceived { get; set; }

    /// <summary>
    /// IKE saw the peer of SAs installed with <paramref name="installed"/> at another endpoint (NAT rebinding):
    /// while <paramref name="moved"/>, their ESP-in-UDP goes through <see cref="SendEspInUdp"/> (which knows where).
    /// </summary>
    public void EspInUdpPeerMoved(IPEndPoint installed, bool moved)
    {
        lock (_gate)
        {
            var next = new HashSet<IPEndPoint>(_movedPeers);
            if (moved) next.Add(installed);
            else next.Remove(installed);
            _movedPeers = next;
        }
        WakeUdpWorker();
    }

    /// <summary>How many of the data plane's own ESP-in-UDP sockets are open (for status and tests).</summary>
    public int EspInUdpSockets => Volatile.Read(ref _udpSocketCount);

    private int _udpSocketCount;

    private void StartUdpWorker()
    {
        _udpWakeFd = Libc.Check(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");
        _udpThread = new Thread(UdpLoop) { IsBackground = true, Name = "dp-wan-udp" };
        _udpThread.Start();
    }

    /// <summary>The UDP-encapsulated SAs changed: open or retire sockets on the UDP worker (the namespace it runs in).</summary>
    private unsafe void WakeUdpWorker()
    {
        _udpReconcile = true;
        if (_udpWakeFd < 0) return;
        ulong one = 1;
        Libc.write(_udpWakeFd, &one, sizeof(ulong));
    }

    /// <summary>WAN → LAN for ESP-in-UDP: poll the per-peer sockets, receive GRO trains, open every segment, deliver.</summary>
    private unsafe void UdpLoop()
    {
        using var deliver4 = new PacketBatch(_options.BatchSize, WanSlotSize);
        using var deliver6 = new PacketBatch(_options.BatchSize, WanSlotSize);
        using var frames = new PacketBatch(_options.SuperPacketBatchSize, 65536 + 64);
        var coalescer = _injector == null ? null : new TcpCoalescer(frames, _injector.Mac);
        long lastReconcile = long.MinValue / 2;
        var ready = new List<EspUdpSocket>();
        var polled = new List<EspUdpSocket>();
        var fds = new PollFd[8];
        using var heartbeat = RegisterHeartbeat();
        while (!_stopping)
        {
            heartbeat?.Beat();
            try
            {
                long now = _time.GetTimestamp();
                if (_udpReconcile || _time.GetElapsedTime(lastReconcile, now) >= UdpReconcileInterval)
                {
                    _udpReconcile = false;
                    lastReconcile = now;
                    ReconcileUdpSockets();
                }
                // Retiring sockets are read until closed: what the peer sent meanwhile (IKE) is not lost unread.
                polled.Clear();
                polled.AddRange(_udpSockets.Values);
                foreach (var (socket, _) in _udpRetiring) polled.Add(socket);
                ready.Clear();
                int count = polled.Count + 1;
                if (fds.Length < count) fds = new PollFd[count * 2];
                fds[0] = new PollFd { Fd = _udpWakeFd, Events = 1 /* POLLIN */ };
                int k = 1;
                foreach (var socket in polled) fds[k++] = new PollFd { Fd = socket.Fd, Events = 1 };
                int events;
                fixed (PollFd* p = fds) events = Libc.poll(p, (nuint)count, (int)PollInterval.TotalMilliseconds);
                if (events <= 0) continue;
                if (fds[0].ReturnedEvents != 0) { ulong value; Libc.read(_udpWakeFd, &value, sizeof(ulong)); }
                k = 1;
                foreach (var socket in polled) if (fds[k++].ReturnedEvents != 0) ready.Add(socket);
                foreach (var socket in ready) ReceiveUdp(socket, deliver4, deliver6, coalescer);
                FlushDeliveries(deliver4, deliver6, coalescer);
            }
            catch (Exception e)
            {
                coalescer = DropBatchAfterWorkerError(e, "ESP-in-UDP", deliver4, deliver6, frames);
            }
        }
    }

    private void ReceiveUdp(EspUdpSocket socket, PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer)
    {
        for (int round = 0; round <= MaxReceiveRounds; round++)
        {
            int n = socket.Receive(out int truncated);
            for (int t = 0; t < truncated; t++) Counters.Drop(DataPlaneDropReason.Malformed);
            for (int i = 0; i < n; i++)
            {
                int size = socket.SegmentSizes[i];
                if (size < 0) continue; // truncated, counted
                var datagram = socket.Datagram(i);
                if (size == 0 || size >= datagram.Length)
                {
                    HandleUdpDatagram(socket, datagram, deliver4, deliver6, coalescer);
                    continue;
                }
                Counters.GroReceived(datagram.Length / size + (datagram.Length % size == 0 ? 0 : 1));
                for (int offset = 0; offset < datagram.Length; offset += size)
                    HandleUdpDatagram(socket, datagram.Slice(offset, Math.Min(size, datagram.Length - offset)), deliver4, deliver6, coalescer);
            }
            if (n < UdpReceiveSlots) break;
        }
    }

    /// <summary>RFC 3948 §2.2 on one datagram (one segment of a GRO train): keepalive, IKE, or ESP.</summary>
    private void HandleUdpDatagram(EspUdpSocket socket, Span<byte> datagram, PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer)
    {
        switch (UdpEncapsulation.Classify(datagram))
        {
            case UdpEncapsulatedKind.NatKeepalive:
                return; // only the NAT on the way cares
            case UdpEncapsulatedKind.Ike:
                NatTraversalIkeReceived?.Invoke(socket.Local, socket.Remote, datagram[UdpEncapsulation.NonEspMarkerLength..]);
                return;
            case UdpEncapsulatedKind.Esp:
                HandleEsp(datagram, 0, deliver4, deliver6, coalescer, udp: true);
                return;
            default:
                Counters.Drop(DataPlaneDropReason.Truncated);
                return;
        }
    }

    /// <summary>Opens a socket for every NAT-T endpoint pair of an installed UDP-encapsulated SA, retires the rest, points the SAs at theirs.</summary>
    private void ReconcileUdpSockets()
    {
        List<(SaInstall Sa, Sa.OutboundSa Out)> sas;
        HashSet<IPEndPoint> moved;
        lock (_gate)
        {
            sas = _installed.Where(s => s.Sa.UdpEncapsulation && s.Out.CanSealInParallel).Select(s => (s.Sa, s.Out)).ToList();
            moved = _movedPeers;
        }
        var wanted = sas.Select(s => (s.Sa.Local, s.Sa.Remote)).Where(Usable).ToHashSet();
        foreach (var key in _udpSockets.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            _udpRetiring.Add((_udpSockets[key], _time.GetTimestamp()));
            _udpSockets.Remove(key);
        }
        _udpOpenFailed.IntersectWith(wanted);
        foreach (var key in wanted)
        {
            if (_udpSockets.ContainsKey(key)) continue;
            try
            {
                _udpSockets[key] = new EspUdpSocket(key.Local, key.Remote, _options.BatchSize, UdpReceiveSlots);
                _udpOpenFailed.Remove(key);
                _logger.LogInformation("ESP-in-UDP {Local} <-> {Remote}: own socket (UDP GSO/GRO)", key.Local, key.Remote);
            }
            catch (IOException e)
            {
                // The host's 4500 socket does not share the port: ESP-in-UDP keeps going through the host callbacks.
                if (_udpOpenFailed.Add(key))
                    _logger.LogWarning("ESP-in-UDP {Local} <-> {Remote}: no own socket ({Message}); one packet at a time through the host", key.Local, key.Remote, e.Message);
            }
        }
        foreach (var (sa, outbound) in sas)
            outbound.UdpSocket = _udpSockets.GetValueOrDefault((sa.Local, sa.Remote));
        foreach (var socket in _udpSockets.Values) socket.PeerMoved = moved.Contains(socket.Remote);
        Volatile.Write(ref _udpSocketCount, _udpSockets.Count);
        long now = _time.GetTimestamp();
        for (int i = _udpRetiring.Count - 1; i >= 0; i--)
        {
            if (_time.GetElapsedTime(_udpRetiring[i].Since, now) < UdpRetireDelay) continue;
            _udpRetiring[i].Socket.Dispose();
            _udpRetiring.RemoveAt(i);
        }
    }

    private static bool Usable((IPEndPoint Local, IPEndPoint Remote) key) =>
        key.Local.Port != 0 && key.Remote.Port != 0 && key.Local.AddressFamily == key.Remote.AddressFamily
        && !key.Local.Address.Equals(IPAddress.Any) && !key.Local.Address.Equals(IPAddress.IPv6Any)
        && key.Local.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;

    private void StopUdpWorker()
    {
        _udpThread?.Join();
        foreach (var socket in _udpSockets.Values) socket.Dispose();
        foreach (var (socket, _) in _udpRetiring) socket.Dispose();
        _udpSockets.Clear();
        _udpRetiring.Clear();
        if (_udpWakeFd >= 0) Libc.close(_udpWakeFd);
        _udpWakeFd = -1;
    }
}

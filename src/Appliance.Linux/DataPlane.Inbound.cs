using System.Buffers.Binary;
using System.Net;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Packets;
using Appliance.Linux.Policy;
using Appliance.Linux.Sa;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

public sealed partial class DataPlane
{
    private const int WanSlotSize = 9216 + 128;
    private const int MaxReceiveRounds = 8;
    private readonly object _udpGate = new();
    private PacketBatch? _udpDeliver4, _udpDeliver6;
    private byte[]? _udpRx;

    /// <summary>WAN → LAN: one recvmmsg per batch of ESP, open, selector check, one sendmmsg per family to the LAN.</summary>
    private void WanLoop(EspWanSocket socket) => WanLoop(socket.Fd, socket.Protocol, fromFrames: false);

    /// <param name="fd">The raw IP socket, or the WAN AF_PACKET socket when <paramref name="fromFrames"/>.</param>
    /// <param name="fromFrames">Packets skipped the kernel's ip_rcv: their IPv4 header is checked here as it would have.</param>
    private void WanLoop(int fd, int protocol, bool fromFrames)
    {
        using var rx = new PacketBatch(_options.BatchSize, WanSlotSize);
        using var deliver4 = new PacketBatch(_options.BatchSize, WanSlotSize);
        using var deliver6 = new PacketBatch(_options.BatchSize, WanSlotSize);
        using var frames = new PacketBatch(_options.SuperPacketBatchSize, 65536 + 64);
        var coalescer = _injector == null ? null : new TcpCoalescer(frames, _injector.Mac);
        using var heartbeat = RegisterHeartbeat();
        // The frame receiver also ends when the WAN address changes (FollowWanAddress starts a new one).
        bool followsWanAddress = protocol == IpProtocol.Ah && !fromFrames;
        while (!_stopping && !(fromFrames && _framesStopping))
        {
            heartbeat?.Beat();
            if (followsWanAddress) MaybeFollowWanAddress();
            try
            {
                // A few more batches without blocking before the flush: bigger batches mean longer
                // runs of one flow to coalesce, and never hold a packet back waiting for traffic.
                int n = rx.Receive(fd, 0);
                for (int round = 0; n > 0; round++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        var outer = rx.Packet(i);
                        int ihl, total;
                        if (fromFrames)
                        {
                            if (!CheckFrameHeader(outer, out ihl, out total)) { Counters.Drop(DataPlaneDropReason.BadOuterHeader); continue; }
                        }
                        else if (!IPv4Header.TryParse(outer, out ihl, out total) || outer[IPv4Header.ProtocolOffset] != protocol)
                        {
                            Counters.Drop(DataPlaneDropReason.Malformed);
                            continue;
                        }
                        if (protocol == IpProtocol.Esp) HandleEsp(outer[..total], ihl, deliver4, deliver6, coalescer);
                        else HandleAh(outer[..total], ihl, deliver4, deliver6, coalescer);
                    }
                    if (fromFrames) Counters.FramesReceived(n);
                    if (round >= MaxReceiveRounds) break;
                    // The peer's batch is usually still arriving: a moment's spin gathers more of it.
                    if (n < rx.Capacity) Thread.SpinWait(200);
                    n = rx.Receive(fd, 0, wait: false);
                }
                FlushDeliveries(deliver4, deliver6, coalescer);
            }
            catch (Exception e)
            {
                coalescer = DropBatchAfterWorkerError(e, "WAN", deliver4, deliver6, frames);
            }
        }
    }

    /// <summary>
    /// Last-resort guard of the receive workers: a parsing bug must cost a batch, not the process (and the tunnel).
    /// Empties the batches and returns a fresh coalescer over them.
    /// </summary>
    private TcpCoalescer? DropBatchAfterWorkerError(Exception e, string worker, PacketBatch deliver4, PacketBatch deliver6, PacketBatch frames)
    {
        _logger.LogError(e, "{Worker} worker error; batch dropped", worker);
        Counters.Drop(DataPlaneDropReason.Malformed);
        deliver4.Count = deliver6.Count = frames.Count = 0;
        Thread.Sleep(PollInterval);
        return _injector == null ? null : new TcpCoalescer(frames, _injector.Mac);
    }

    /// <summary>
    /// ESP that arrived on the host's UDP 4500 socket after the non-ESP marker check (RFC 3948 §2.2):
    /// <paramref name="esp"/> starts at the SPI. Processed on the caller's thread.
    /// </summary>
    public void DeliverEspInUdp(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> esp)
    {
        if (_writer == null) return;
        lock (_udpGate)
        {
            _udpRx ??= new byte[WanSlotSize];
            _udpDeliver4 ??= new PacketBatch(1, WanSlotSize);
            _udpDeliver6 ??= new PacketBatch(1, WanSlotSize);
            if (esp.Length > _udpRx.Length) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
            esp.CopyTo(_udpRx);
            HandleEsp(_udpRx.AsSpan(0, esp.Length), 0, _udpDeliver4, _udpDeliver6, null, udp: true);
            FlushDeliveries(_udpDeliver4, _udpDeliver6, null);
        }
    }

    /// <param name="packet">The outer IP packet (raw socket), or the bare ESP packet when <paramref name="udp"/>.</param>
    /// <param name="headerLength">Outer IP header length (0 for UDP-encapsulated ESP).</param>
    private void HandleEsp(Span<byte> packet, int headerLength, PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer, bool udp = false)
    {
        var esp = packet[headerLength..];
        if (esp.Length < 8) { Counters.Drop(DataPlaneDropReason.Truncated); return; }
        uint spi = BinaryPrimitives.ReadUInt32BigEndian(esp);
        if (!Volatile.Read(ref _inbound).TryGetValue(spi, out var sa) || sa.IsAh) { Counters.Drop(DataPlaneDropReason.UnknownSpi); return; }
        if (sa.Install.Mode == Ipsec.IpsecMode.Transport && IsServiceSa(sa.Install))
        {
            HandleServiceEsp(sa, esp);
            return;
        }
        if (sa.Install.Mode == Ipsec.IpsecMode.Transport)
        {
            if (udp) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
            var verdict = sa.OpenEspTransport(packet, out int start, out int restored);
            if (verdict != DataPlaneDropReason.None) { Counters.Drop(verdict); return; }
            if (sa.PendingOutbound != null) ActivatePending(sa);
            DeliverLocal(sa, packet.Slice(start, restored));
            return;
        }
        var reason = sa.OpenEsp(esp, out int offset, out int length);
        if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return; }
        if (sa.PendingOutbound != null) ActivatePending(sa);
        Deliver(sa, esp.Slice(offset, length), deliver4, deliver6, coalescer);
    }

    /// <summary>A whole IPv4 packet carrying AH (RFC 4302); the SPI sits 4 bytes into the AH header.</summary>
    private void HandleAh(Span<byte> packet, int headerLength, PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer)
    {
        if (packet.Length < headerLength + 12) { Counters.Drop(DataPlaneDropReason.Truncated); return; }
        uint spi = BinaryPrimitives.ReadUInt32BigEndian(packet[(headerLength + 4)..]);
        if (!Volatile.Read(ref _inbound).TryGetValue(spi, out var sa) || !sa.IsAh) { Counters.Drop(DataPlaneDropReason.UnknownSpi); return; }
        var reason = sa.OpenAh(packet, out int offset, out int length);
        if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return; }
        if (sa.PendingOutbound != null) ActivatePending(sa);
        if (sa.Install.Mode == Ipsec.IpsecMode.Transport) { DeliverLocal(sa, packet.Slice(offset, length)); return; }
        Deliver(sa, packet.Slice(offset, length), deliver4, deliver6, coalescer);
    }

    /// <summary>Inbound policy check, MSS clamp and hand-off of one decapsulated inner packet.</summary>
    private void Deliver(InboundSa sa, Span<byte> inner, PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer)
    {
        if (!IpView.TryParse(inner, out var ip))
        {
            Counters.Drop(DataPlaneDropReason.Malformed);
            return;
        }
        // RFC 4301 §5.2 step 4: the decrypted packet must match the SA's selectors.
        if (!Prefix.AnyContains(sa.RemotePrefixes, ip.Source) || !Prefix.AnyContains(sa.LocalPrefixes, ip.Destination))
        {
            Counters.Drop(DataPlaneDropReason.SelectorMismatch);
            return;
        }
        var packet = inner[..ip.TotalLength];
        if (_betweenTunnels && IntoAnotherTunnel(sa, packet, ip))
        {
            sa.Counters.CountIn(packet.Length);
            return;
        }
        if (IsServiceClient(ip.Destination))
        {
            // From HQ to an L2TP client (the pool in the site tunnel's selectors): the local service carries it, not the LAN.
            sa.Counters.CountIn(packet.Length);
            ToService(packet, default, 0);
            return;
        }
        if (_options.ClampMss)
        {
            var outbound = Volatile.Read(ref _outbound)[_spd.IndexOf(sa.Install.Tunnel)];
            int mtu = outbound?.TunnelMtu ?? _wanMtu - 80;
            if (TcpMssClamp.TryClamp(packet, TcpMssClamp.MssFor(mtu, ip.Version))) Counters.Clamped();
        }
        sa.Counters.CountIn(packet.Length);
        if (coalescer != null && ip.Version == 4 && _neighbours.TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(ip.Destination), out ulong mac))
        {
            if (coalescer.NeedsFlush) FlushDeliveries(deliver4, deliver6, coalescer);
            coalescer.Add(packet, mac);
            return;
        }
        var batch = ip.Version == 4 ? deliver4 : deliver6;
        if (batch.Count == batch.Capacity) FlushDeliveries(deliver4, deliver6, coalescer);
        int j = batch.Count;
        packet.CopyTo(batch.Slot(j));
        batch.Add(0, packet.Length);
        SockAddr.Write(batch.Name(j), ip.Destination);
    }

    private void FlushDeliveries(PacketBatch deliver4, PacketBatch deliver6, TcpCoalescer? coalescer)
    {
        int failed = 0;
        if (coalescer != null)
        {
            failed += coalescer.Send(_injector!.Fd);
            Counters.Coalesced(coalescer.TakeMerged());
        }
        if (deliver4.Count > 0) failed += deliver4.Send(_writer!.Fd4, SockAddr.InetSize);
        if (deliver6.Count > 0) failed += deliver6.Send(_writer!.Fd6, SockAddr.Inet6Size);
        for (int i = 0; i < failed; i++) Counters.Drop(DataPlaneDropReason.SendFailed);
    }
}

using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Packets;
using Appliance.Linux.Policy;
using Appliance.Linux.Sa;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

public sealed partial class DataPlane
{
    private const int LanSlotSize = 65536 + VirtioNetHeader.Size;
    private const int TxSlotSize = Headroom + 9216 + 128;

    /// <summary>LAN → WAN: one recvmmsg per batch, SPD, segment offloaded super-packets, seal, one sendmmsg.</summary>
    private void LanLoop()
    {
        using var rx = new PacketBatch(_options.SuperPacketBatchSize, LanSlotSize);
        using var txEsp = new PacketBatch(_options.BatchSize, TxSlotSize);
        using var txAh = new PacketBatch(_options.BatchSize, TxSlotSize);
        _pendingSa = new OutboundSa?[_options.BatchSize];
        _pendingSequence = new ulong[_options.BatchSize];
        _pendingUdp = new EspUdpSocket?[_options.BatchSize];
        var udp = new byte[TxSlotSize];
        using var heartbeat = RegisterHeartbeat();
        while (!_stopping)
        {
            heartbeat?.Beat();
            try
            {
                int n = rx.Receive(_lan!.Fd, 0);
                if (_held.Count > 0) ReleaseHeld(txEsp, txAh, udp);
                for (int i = 0; i < n; i++) HandleLanPacket(rx.Packet(i), txEsp, txAh, udp);
                Flush(txEsp, _wan!);
                Flush(txAh, _wanAh!);
            }
            catch (Exception e)
            {
                // Last-resort guard: a parsing bug must cost a batch, not the process (and the tunnel).
                _logger.LogError(e, "LAN worker error; batch dropped");
                Counters.Drop(DataPlaneDropReason.Malformed);
                txEsp.Count = txAh.Count = 0;
                Array.Clear(_pendingSa);
                Array.Clear(_pendingUdp);
                foreach (var socket in _udpUsed) socket.Reset();
                _udpUsed.Clear();
                Thread.Sleep(PollInterval);
            }
        }
    }

    private void HandleLanPacket(Span<byte> frame, PacketBatch txEsp, PacketBatch txAh, byte[] udp)
    {
        const int Ethernet = 14;
        if (frame.Length < VirtioNetHeader.Size + Ethernet) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
        var vnet = VirtioNetHeader.Read(frame);
        // Only untagged IPv4/IPv6 frames can be LAN traffic for a tunnel; ARP and the rest are the kernel's.
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(VirtioNetHeader.Size + 12)..]);
        if (etherType is not (0x0800 or 0x86DD)) return;
        var packet = frame[(VirtioNetHeader.Size + Ethernet)..];
        if (!IpView.TryParse(packet, out var ip)) return; // not IP (or broken): the kernel's business
        var action = _spd.Lookup(ip.Source, ip.Destination, out int tunnel);
        switch (action)
        {
            case SpdAction.NotOurs:
                return;
            case SpdAction.Bypass:
                Counters.Bypass();
                return;
            case SpdAction.Discard:
                Counters.Drop(DataPlaneDropReason.PolicyDiscard);
                return;
        }
        if (ip.Version == 4 && _injector != null) Learn(frame, ip.Source);
        packet = packet[..ip.TotalLength];
        if (IsServiceTunnel(tunnel))
        {
            ToService(packet, vnet, Ethernet);
            return;
        }
        if (Volatile.Read(ref _clientOut)[tunnel] is { } clients)
        {
            // Remote access: the client at the destination address has its own SA; none there, nobody to send to.
            if (FindClient(clients, ip.Source, ip.Destination) is not { } client)
            {
                Counters.Drop(DataPlaneDropReason.NoSa);
                return;
            }
            SealOne(client, packet, vnet, txEsp, txAh, udp);
            return;
        }
        var sa = Volatile.Read(ref _outbound)[tunnel];
        if (sa == null)
        {
            if (vnet.GsoKind != VirtioNetHeader.GsoNone || !vnet.TryCompleteChecksum(packet, Ethernet) || !_held.TryHold(tunnel, packet, _time.GetTimestamp()))
                Counters.Drop(DataPlaneDropReason.NoSa);
            RaiseTrap(tunnel);
            return;
        }
        SealOne(sa, packet, vnet, txEsp, txAh, udp);
    }

    /// <summary>Seals a LAN packet (segmenting an offloaded TCP super-packet first) on <paramref name="sa"/> and queues it.</summary>
    private void SealOne(OutboundSa sa, Span<byte> packet, VirtioNetHeader vnet, PacketBatch txEsp, PacketBatch txAh, byte[] udp)
    {
        const int Ethernet = 14;
        var tx = sa.IsAh ? txAh : txEsp;
        var socket = sa.IsAh ? _wanAh! : _wan!;
        if (vnet.GsoKind == VirtioNetHeader.GsoNone)
        {
            if (!vnet.TryCompleteChecksum(packet, Ethernet)) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
            if (packet.Length > TxSlotSize - Headroom - 128) { Counters.Drop(DataPlaneDropReason.TooBig); return; }
            if (tx.Count == tx.Capacity) Flush(tx, socket);
            packet.CopyTo(tx.Slot(tx.Count)[Headroom..]);
            SealAndQueue(sa, tx, packet.Length, udp);
            return;
        }
        if (vnet.GsoKind is not (VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6)
            || !TcpSegmenter.TryPlan(packet, vnet.GsoSize, out int headerLength, out int segments))
        {
            Counters.Drop(DataPlaneDropReason.UnsupportedOffload);
            return;
        }
        for (int s = 0; s < segments; s++)
        {
            if (tx.Count == tx.Capacity) Flush(tx, socket);
            int length = TcpSegmenter.WriteSegment(packet, headerLength, vnet.GsoSize, s, segments, tx.Slot(tx.Count)[Headroom..]);
            SealAndQueue(sa, tx, length, udp);
        }
    }

    /// <summary>Sends the packets held for tunnels that now have an SA; counts the expired ones.</summary>
    private void ReleaseHeld(PacketBatch txEsp, PacketBatch txAh, byte[] udp)
    {
        var outbound = Volatile.Read(ref _outbound);
        long now = _time.GetTimestamp();
        for (int tunnel = 0; tunnel < outbound.Length; tunnel++)
        {
            var sa = outbound[tunnel];
            while (_held.TryTake(tunnel, now, onlyExpired: sa == null, out byte[] packet, out bool expired))
            {
                if (expired || sa == null) { Counters.Drop(DataPlaneDropReason.NoSa); continue; }
                var tx = sa.IsAh ? txAh : txEsp;
                if (tx.Count == tx.Capacity) Flush(tx, sa.IsAh ? _wanAh! : _wan!);
                packet.CopyTo(tx.Slot(tx.Count)[Headroom..]);
                SealAndQueue(sa, tx, packet.Length, udp);
            }
        }
    }

    /// <summary>Remembers which MAC a LAN source uses (the frame's Ethernet source).</summary>
    private void Learn(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> source)
    {
        uint address = BinaryPrimitives.ReadUInt32BigEndian(source);
        ulong mac = LanInjector.ReadMac(frame[(VirtioNetHeader.Size + 6)..]);
        if (!_neighbours.TryGetValue(address, out ulong known) || known != mac) _neighbours[address] = mac;
    }

    /// <summary>Seals the packet at Headroom of the next free tx slot and queues it (or hands it to the host for UDP).</summary>
    private void SealAndQueue(OutboundSa sa, PacketBatch tx, int length, byte[] udp)
    {
        int j = tx.Count;
        var slot = tx.Slot(j);
        var inner = slot.Slice(Headroom, length);
        int version = inner[0] >> 4;
        if (_options.ClampMss && TcpMssClamp.TryClamp(inner, TcpMssClamp.MssFor(sa.TunnelMtu, version)))
            Counters.Clamped();
        if (length > sa.TunnelMtu)
        {
            bool dontFragment = version == 6 || (inner[6] & 0x40) != 0;
            if (dontFragment)
            {
                Counters.Drop(DataPlaneDropReason.TooBig);
                SendTooBig(inner, sa.TunnelMtu);
                return;
            }
            // Without DF the kernel fragments the outer packet (RFC 4459 §3 post-fragmentation).
        }
        // ESP-in-UDP takes this path once the data plane has its own socket to the peer (and IKE has not seen the
        // peer move); until then, and for keepalives, the host's 4500 socket sends, one packet at a time.
        var udpSocket = sa.Install.UdpEncapsulation ? sa.UdpSocket : null;
        if (sa.CanSealInParallel && (!sa.Install.UdpEncapsulation || udpSocket is { PeerMoved: false }))
        {
            // Number now, in order; seal at flush time, possibly on several threads.
            if (!sa.TryReserve(out ulong sequence)) { Counters.Drop(DataPlaneDropReason.SequenceNumberExhausted); return; }
            tx.Add(Headroom, length);
            _pendingSa[j] = sa;
            _pendingSequence[j] = sequence;
            _pendingUdp[j] = udpSocket;
            if (udpSocket == null) SockAddr.Write(tx.Name(j), sa.RemoteAddress);
            return;
        }
        var reason = sa.Seal(slot, Headroom, length, out int espOffset, out int espLength);
        if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return; }
        if (sa.Install.UdpEncapsulation)
        {
            slot.Slice(espOffset, espLength).CopyTo(udp);
            var send = SendEspInUdp;
            if (send == null || !send(udp.AsMemory(0, espLength), sa.Install.Remote)) Counters.Drop(DataPlaneDropReason.SendFailed);
            return;
        }
        tx.Add(espOffset, espLength);
        SockAddr.Write(tx.Name(j), sa.RemoteAddress);
    }

    private void Flush(PacketBatch tx, EspWanSocket socket)
    {
        if (tx.Count == 0) return;
        int failed = 0;
        if (ReferenceEquals(socket, _wan))
        {
            SealPending(tx);
            failed += SendEspInUdpBatch(tx);
            failed += SendWanFrames(tx);
        }
        failed += tx.Send(socket.Fd, SockAddr.InetSize);
        for (int i = 0; i < failed; i++) Counters.Drop(DataPlaneDropReason.SendFailed);
    }

    /// <summary>
    /// Hands the batch's sealed ESP-in-UDP packets to their peers' sockets (in sequence order, runs of equal size
    /// as one GSO datagram) and takes them out of the raw send; returns the packets refused.
    /// </summary>
    private unsafe int SendEspInUdpBatch(PacketBatch tx)
    {
        for (int j = 0; j < tx.Count; j++)
        {
            var socket = _pendingUdp[j];
            if (socket == null) continue;
            _pendingUdp[j] = null;
            if (tx.Length[j] == 0) continue; // sealing failed, already counted
            if (!_udpUsed.Contains(socket)) _udpUsed.Add(socket);
            if (!socket.Queue(tx.Pointer(j), tx.Length[j])) Counters.Drop(DataPlaneDropReason.SendFailed);
            tx.Length[j] = 0; // not for the raw socket
        }
        int failed = 0;
        foreach (var socket in _udpUsed)
        {
            failed += socket.Flush(out int batched);
            Counters.GsoSent(batched);
        }
        _udpUsed.Clear();
        return failed;
    }

    // Per tx slot of the ESP batch: the SA and reserved sequence number of a packet not yet sealed, and the
    // data plane's UDP socket when it is ESP-in-UDP.
    private EspUdpSocket?[] _pendingUdp = [];
    private readonly List<EspUdpSocket> _udpUsed = new();
    private OutboundSa?[] _pendingSa = [];
    private ulong[] _pendingSequence = [];
    private PacketBatch? _sealing;
    private Action<int>? _sealOne;
    private ParallelOptions? _parallel;

    /// <summary>Seals every reserved slot of the ESP batch: inline, or spread over SealWorkers threads.</summary>
    private void SealPending(PacketBatch tx)
    {
        _sealing = tx;
        if (_options.SealWorkers > 1 && tx.Count >= 8)
        {
            _sealOne ??= SealOne;
            _parallel ??= new ParallelOptions { MaxDegreeOfParallelism = _options.SealWorkers };
            Parallel.For(0, tx.Count, _parallel, _sealOne);
        }
        else
        {
            for (int j = 0; j < tx.Count; j++) SealOne(j);
        }
        _sealing = null;
    }

    private void SealOne(int j)
    {
        var tx = _sealing!;
        var sa = _pendingSa[j];
        if (sa == null) return;
        _pendingSa[j] = null;
        var reason = sa.SealReserved(_pendingSequence[j], tx.Slot(j), tx.Offset[j], tx.Length[j], out int offset, out int length);
        if (reason != DataPlaneDropReason.None)
        {
            Counters.Drop(reason);
            tx.Length[j] = 0; // not sent
            return;
        }
        tx.Offset[j] = offset;
        tx.Length[j] = length;
    }

    private unsafe void SendTooBig(ReadOnlySpan<byte> offending, int mtu)
    {
        if (!_icmpLimit.TryTake()) { Counters.IcmpLimited(); return; }
        Span<byte> icmp = stackalloc byte[IcmpTooBig.MaxLength];
        bool v4 = offending[0] >> 4 == 4;
        int length = IcmpTooBig.Write(offending, mtu, icmp, v4 ? default : _lanIpv6.Get());
        if (length == 0) return;
        Span<byte> name = stackalloc byte[32];
        int nameLength = SockAddr.Write(name, v4 ? offending.Slice(12, 4) : offending.Slice(8, 16));
        fixed (byte* p = icmp)
        fixed (byte* a = name)
        {
            if (Native.Libc.sendto(v4 ? _writer!.Fd4 : _writer!.Fd6, p, (nuint)length, 0, a, nameLength) >= 0)
                Counters.IcmpSent();
        }
    }
}

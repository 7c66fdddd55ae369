using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Packets;
using Appliance.Linux.Policy;
using Appliance.Linux.Sa;

namespace Appliance.Linux;

/// <summary>A UDP datagram for a local service (L2TP) opened from one of its transport-mode SAs.</summary>
/// <param name="peer">The client as IKE knows it (the SA's remote endpoint): unique per client even behind one NAT.</param>
/// <param name="peerPort">The client's UDP source port inside the SA.</param>
public delegate void ServiceDatagramHandler(IPEndPoint peer, ushort peerPort, ReadOnlySpan<byte> payload);

/// <summary>An IPv4 packet from the LAN (or from the box itself) to an address a local service's client holds.</summary>
public delegate void ServicePacketHandler(ReadOnlySpan<byte> packet);

// A local-service tunnel (TunnelPolicy.LocalService, L2TP/IPsec): its Child SAs are transport-mode ESP SAs that carry UDP to
// and from a server inside this process, not to the kernel: the datagrams are opened here and handed over with the SA's remote
// endpoint, so two clients behind one NAT (same public address, same inner port 1701) stay apart. No kernel socket listens on
// the service port, so the service is unreachable without IPsec. The tunnel's RemoteTs are the addresses the service hands to
// its clients: LAN packets to them (and the box's own, through the TUN device) go to ServicePacketOut, and the clients' packets
// come back through InjectServicePacket onto the LAN.
public sealed partial class DataPlane
{
    // Per SA remote endpoint: the outbound SA a local service's datagrams to that client are sealed with. Swapped whole under _gate.
    private Dictionary<IPEndPoint, OutboundSa> _serviceOut = new();
    private bool[] _serviceTunnel = [];
    // Every local-service tunnel's client addresses (their RemoteTs), for opened tunnel packets addressed to a client.
    private Prefix[] _serviceClients = [];

    /// <summary>Datagrams to <see cref="DataPlaneOptions.LocalServicePort"/> opened from a local-service SA; called on a worker thread.</summary>
    public ServiceDatagramHandler? ServiceDatagramReceived { get; set; }

    /// <summary>Packets to a local service's client addresses; called on a worker thread, the span valid during the call only.</summary>
    public ServicePacketHandler? ServicePacketOut { get; set; }

    private void InitServiceSlots()
    {
        _serviceTunnel = new bool[_spd.Count];
        for (int i = 0; i < _spd.Count; i++) _serviceTunnel[i] = _spd.Tunnel(i).LocalService;
        _serviceClients = Prefix.From(Enumerable.Range(0, _spd.Count).Where(i => _serviceTunnel[i]).SelectMany(i => _spd.Tunnel(i).RemoteTs));
    }

    /// <summary>An address a local service hands its clients (a tunnel packet from HQ to an L2TP client).</summary>
    private bool IsServiceClient(ReadOnlySpan<byte> destination) => _serviceClients.Length > 0 && Prefix.AnyContains(_serviceClients, destination);

    private bool IsServiceTunnel(int index) => index >= 0 && index < _serviceTunnel.Length && _serviceTunnel[index];

    private bool IsServiceSa(SaInstall sa) => IsServiceTunnel(_spd.IndexOf(sa.Tunnel));

    /// <summary>Makes <paramref name="outbound"/> the SA for its client, replacing the one it rekeys. Caller holds _gate.</summary>
    private void ActivateService(OutboundSa outbound) =>
        Volatile.Write(ref _serviceOut, new Dictionary<IPEndPoint, OutboundSa>(_serviceOut) { [outbound.Install.Remote] = outbound });

    /// <summary>A local-service SA was removed: its client's newest other SA (a rekey) takes over, or the client has none. Caller holds _gate.</summary>
    private void RemoveService(SaInstall sa, OutboundSa outbound)
    {
        if (!_serviceOut.TryGetValue(sa.Remote, out var current) || !ReferenceEquals(current, outbound)) return;
        var map = new Dictionary<IPEndPoint, OutboundSa>(_serviceOut);
        var successor = _installed.LastOrDefault(s => s.Sa.Tunnel == sa.Tunnel && s.Sa.Remote.Equals(sa.Remote) && !s.Sa.ReceiveOnly);
        if (successor.Out is { } next) map[sa.Remote] = next;
        else map.Remove(sa.Remote);
        Volatile.Write(ref _serviceOut, map);
    }

    /// <summary>ESP (starting at the SPI, raw or from UDP 4500) of a local-service SA: opened, checked to be UDP to the service port, handed over.</summary>
    private void HandleServiceEsp(InboundSa sa, Span<byte> esp)
    {
        var reason = sa.OpenEspPayload(esp, out int offset, out int length, out byte nextHeader);
        if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return; }
        var udp = esp.Slice(offset, length);
        // RFC 4301 §5.2: what the SA opened must be what it was negotiated for, UDP to our service port and nothing else.
        if (nextHeader != IpProtocol.Udp || udp.Length < 8 || BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != _options.LocalServicePort)
        {
            Counters.Drop(DataPlaneDropReason.SelectorMismatch);
            return;
        }
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < 8 || udpLength > udp.Length) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
        // The UDP checksum is not verified: ESP's integrity check covers the datagram, and behind a NAT the checksum was computed
        // over the client's private address, which RFC 3948 §3.1.2 lets a transport-mode receiver skip instead of fixing.
        sa.Counters.CountIn(length);
        ServiceDatagramReceived?.Invoke(sa.Install.Remote, BinaryPrimitives.ReadUInt16BigEndian(udp), udp[8..udpLength]);
    }

    /// <summary>
    /// Sends a datagram from the local service's port to a client: UDP inside the client's transport-mode ESP SA, as raw ESP or
    /// ESP-in-UDP. False (and counted) when the client has no SA or the send failed. Thread-safe.
    /// </summary>
    public bool SendServiceDatagram(IPEndPoint peer, ushort peerPort, ReadOnlySpan<byte> payload)
    {
        if (!Volatile.Read(ref _serviceOut).TryGetValue(peer, out var sa)) { Counters.Drop(DataPlaneDropReason.NoSa); return false; }
        if (payload.Length > 65535 - 8 - 128) { Counters.Drop(DataPlaneDropReason.TooBig); return false; }
        int start = sa.Headroom + 16;
        byte[] slot = ArrayPool<byte>.Shared.Rent(start + 8 + payload.Length + 128);
        try
        {
            var udp = slot.AsSpan(start, 8 + payload.Length);
            BinaryPrimitives.WriteUInt16BigEndian(udp, _options.LocalServicePort);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], peerPort);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
            payload.CopyTo(udp[8..]);
            // Behind a NAT the client's address inside its packets is not the one we see, so RFC 3948 §3.1.1's zero checksum
            // (no checksum, RFC 768) is what the client can accept; without NAT the real one.
            if (!sa.Install.UdpEncapsulation) BinaryPrimitives.WriteUInt16BigEndian(udp[6..], UdpChecksum(sa.Install, udp));
            var reason = sa.SealPayload(slot, start, udp.Length, IpProtocol.Udp, out int wireOffset, out int wireLength);
            if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return false; }
            if (sa.Install.UdpEncapsulation)
            {
                var send = SendEspInUdp;
                if (send != null && send(slot.AsMemory(wireOffset, wireLength), sa.Install.Remote)) return true;
                Counters.Drop(DataPlaneDropReason.SendFailed);
                return false;
            }
            if (_wan is null) { Counters.Drop(DataPlaneDropReason.SendFailed); return false; }
            return SendRaw(_wan.Fd, slot.AsSpan(wireOffset, wireLength), sa.RemoteAddress);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(slot);
        }
    }

    /// <summary>A packet from one tunnel's side into another tunnel: copied behind headroom and sealed as the box's own (SealOwn).</summary>
    private bool SealBetweenTunnels(Span<byte> packet)
    {
        const int Room = 128;
        byte[] slot = ArrayPool<byte>.Shared.Rent(Room + packet.Length + 128);
        try
        {
            var copy = slot.AsSpan(Room, packet.Length);
            packet.CopyTo(copy);
            IpView.TryParse(copy, out var ip);
            return SealOwn(slot, Room, copy, ip);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(slot);
        }
    }

    private static ushort UdpChecksum(SaInstall sa, ReadOnlySpan<byte> udp)
    {
        Span<byte> pseudo = stackalloc byte[12];
        sa.Local.Address.TryWriteBytes(pseudo, out _);
        sa.Remote.Address.TryWriteBytes(pseudo[4..], out _);
        pseudo[9] = IpProtocol.Udp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)udp.Length);
        ushort sum = InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.Add(0, pseudo), udp));
        return sum == 0 ? (ushort)0xFFFF : sum;
    }

    /// <summary>
    /// A LAN packet (or the box's own, from the TUN device) for a local service's client address: checksum completed, TCP
    /// super-packets cut to segments, MSS clamped to what the service's links carry, then handed to <see cref="ServicePacketOut"/>.
    /// </summary>
    private void ToService(Span<byte> packet, VirtioNetHeader vnet, int linkHeader)
    {
        if (ServicePacketOut is not { } handler) { Counters.Drop(DataPlaneDropReason.NoSa); return; }
        if (packet[0] >> 4 != 4) { Counters.Drop(DataPlaneDropReason.PolicyDiscard); return; }
        int mss = TcpMssClamp.MssFor(_options.LocalServiceMtu, 4);
        if (vnet.GsoKind == VirtioNetHeader.GsoNone)
        {
            if (!vnet.TryCompleteChecksum(packet, linkHeader)) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
            if (_options.ClampMss && TcpMssClamp.TryClamp(packet, mss)) Counters.Clamped();
            handler(packet);
            return;
        }
        if (vnet.GsoKind != VirtioNetHeader.GsoTcpV4 || !TcpSegmenter.TryPlan(packet, vnet.GsoSize, out int headerLength, out int segments))
        {
            Counters.Drop(DataPlaneDropReason.UnsupportedOffload);
            return;
        }
        byte[] segment = ArrayPool<byte>.Shared.Rent(headerLength + vnet.GsoSize + 64);
        try
        {
            for (int s = 0; s < segments; s++)
            {
                int length = TcpSegmenter.WriteSegment(packet, headerLength, vnet.GsoSize, s, segments, segment);
                var one = segment.AsSpan(0, length);
                if (_options.ClampMss && TcpMssClamp.TryClamp(one, mss)) Counters.Clamped();
                handler(one);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(segment);
        }
    }

    /// <summary>
    /// A packet from a local service's client (its source one of the addresses the service handed out, which the service
    /// checked) to the LAN or the box: MSS clamped and handed to the kernel on the LAN NIC, like an opened tunnel packet.
    /// To a site tunnel whose local selectors hold the client addresses (the pool added to its LocalTs, HQ routing it back):
    /// sealed on that tunnel's SA, as the box's own packets are.
    /// </summary>
    public bool InjectServicePacket(Span<byte> packet)
    {
        if (_writer is null || !IpView.TryParse(packet, out var ip) || ip.Version != 4) { Counters.Drop(DataPlaneDropReason.Malformed); return false; }
        if (_spd.Lookup(ip.Source, ip.Destination, out int site) == SpdAction.Protect && !IsServiceTunnel(site) && !IsPerClient(site))
            return SealBetweenTunnels(packet[..ip.TotalLength]);
        if (_spd.Lookup(ip.Destination, ip.Source, out int tunnel) != SpdAction.Protect || !IsServiceTunnel(tunnel))
        {
            // Only the LAN side of the service's own selectors: a client does not reach other tunnels or the internet this way.
            Counters.Drop(DataPlaneDropReason.PolicyDiscard);
            return false;
        }
        var whole = packet[..ip.TotalLength];
        if (_options.ClampMss && TcpMssClamp.TryClamp(whole, TcpMssClamp.MssFor(_options.LocalServiceMtu, 4))) Counters.Clamped();
        return SendRaw(_writer.Fd4, whole, ip.Destination);
    }
}

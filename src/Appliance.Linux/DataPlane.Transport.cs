using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Packets;
using Appliance.Linux.Policy;
using Appliance.Linux.Sa;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

/// <summary>
/// Transport mode, host to host between two boxes (RFC 4301 §4.1): the box's own packets to the
/// peer arrive on the TUN device, are sealed with the peer's transport SA and sent as whole IP
/// packets; opened packets go back into the TUN device for local delivery.
/// </summary>
public sealed partial class DataPlane
{
    private Dictionary<uint, OutboundSa> _transportOut = new();

    private static uint PeerKey(SaInstall sa) => BinaryPrimitives.ReadUInt32BigEndian(sa.Remote.Address.GetAddressBytes());

    private void TunLoop()
    {
        const int Room = 128;
        var slot = new byte[Room + 65536 + 128];
        using var heartbeat = RegisterHeartbeat();
        while (!_stopping)
        {
            heartbeat?.Beat();
            try
            {
                int n = _tun!.Read(slot.AsSpan(Room, 65536), (int)PollInterval.TotalMilliseconds);
                if (n == 0) continue;
                var packet = slot.AsSpan(Room, n);
                if (!IpView.TryParse(packet, out var ip) || ip.Version != 4) { Counters.Drop(DataPlaneDropReason.Malformed); continue; }
                if (!Volatile.Read(ref _transportOut).TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(ip.Destination), out var sa))
                {
                    SealOwn(slot, Room, packet[..ip.TotalLength], ip);
                    continue;
                }
                if (!Prefix.AnyContains(sa.RemotePrefixes, ip.Destination) || !Prefix.AnyContains(sa.LocalPrefixes, ip.Source))
                {
                    Counters.Drop(DataPlaneDropReason.PolicyDiscard);
                    continue;
                }
                if (_options.ClampMss && TcpMssClamp.TryClamp(packet, TcpMssClamp.MssFor(sa.TunnelMtu, 4))) Counters.Clamped();
                var reason = sa.Seal(slot, Room, ip.TotalLength, out int offset, out int length);
                if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); continue; }
                SendRaw(_wanAh!.Fd, slot.AsSpan(offset, length), sa.RemoteAddress);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "transport worker error; packet dropped");
                Counters.Drop(DataPlaneDropReason.Malformed);
            }
        }
    }

    /// <summary>
    /// The box's own packet to a tunnel's remote side, a remote-access client or a local service's client (OwnTrafficRoutes put it into the TUN device): the SPD and
    /// the tunnel's SA as for a LAN packet, sent at once (this is the box's DNS and diagnostics, not bulk traffic).
    /// </summary>
    private bool SealOwn(byte[] slot, int offset, Span<byte> packet, IpView ip)
    {
        var action = _spd.Lookup(ip.Source, ip.Destination, out int tunnel);
        if (action == SpdAction.Protect && IsServiceTunnel(tunnel))
        {
            // The box's own packet (a DNS answer, a ping reply) to a local service's client: the service carries it.
            ToService(packet, default, 0);
            return true;
        }
        if (action != SpdAction.Protect)
        {
            Counters.Drop(DataPlaneDropReason.PolicyDiscard);
            return false;
        }
        // A remote-access client's address (the box's DNS answer to it): the SA of the client at that address, as for LAN packets.
        var sa = Volatile.Read(ref _clientOut)[tunnel] is { } clients
            ? FindClient(clients, ip.Source, ip.Destination)
            : Volatile.Read(ref _outbound)[tunnel];
        if (sa == null)
        {
            Counters.Drop(DataPlaneDropReason.NoSa);
            // No client at that address is no reason to start IKE; a site tunnel's trap is.
            if (!IsPerClient(tunnel)) RaiseTrap(tunnel);
            return false;
        }
        int version = packet[0] >> 4;
        if (_options.ClampMss && TcpMssClamp.TryClamp(packet, TcpMssClamp.MssFor(sa.TunnelMtu, version))) Counters.Clamped();
        if (packet.Length > sa.TunnelMtu) { Counters.Drop(DataPlaneDropReason.TooBig); return false; }
        var reason = sa.Seal(slot, offset, packet.Length, out int wireOffset, out int wireLength);
        if (reason != DataPlaneDropReason.None) { Counters.Drop(reason); return false; }
        if (sa.Install.UdpEncapsulation)
        {
            var send = SendEspInUdp;
            if (send != null && send(slot.AsMemory(wireOffset, wireLength), sa.Install.Remote)) return true;
            Counters.Drop(DataPlaneDropReason.SendFailed);
            return false;
        }
        return SendRaw((sa.IsAh ? _wanAh! : _wan!).Fd, slot.AsSpan(wireOffset, wireLength), sa.RemoteAddress);
    }

    /// <summary>
    /// One packet on a raw socket: sealed to the peer on a WAN socket (ESP: the kernel adds the outer header; AH and transport:
    /// header included), or a service client's whole IPv4 packet on the LAN writer. False (and counted) when sendto failed.
    /// </summary>
    private unsafe bool SendRaw(int fd, ReadOnlySpan<byte> wire, ReadOnlySpan<byte> address)
    {
        Span<byte> name = stackalloc byte[32];
        int nameLength = SockAddr.Write(name, address);
        fixed (byte* p = wire)
        fixed (byte* a = name)
        {
            if (Native.Libc.sendto(fd, p, (nuint)wire.Length, 0, a, nameLength) >= 0) return true;
        }
        Counters.Drop(DataPlaneDropReason.SendFailed);
        return false;
    }

    /// <summary>An opened transport-mode packet: inbound selector check, then local delivery through the TUN device.</summary>
    private void DeliverLocal(InboundSa sa, Span<byte> packet)
    {
        if (!IpView.TryParse(packet, out var ip)) { Counters.Drop(DataPlaneDropReason.Malformed); return; }
        if (!Prefix.AnyContains(sa.RemotePrefixes, ip.Source) || !Prefix.AnyContains(sa.LocalPrefixes, ip.Destination))
        {
            Counters.Drop(DataPlaneDropReason.SelectorMismatch);
            return;
        }
        if (_tun == null || !_tun.Write(packet[..ip.TotalLength])) { Counters.Drop(DataPlaneDropReason.SendFailed); return; }
        sa.Counters.CountIn(ip.TotalLength);
    }
}

using System.Buffers.Binary;

namespace Appliance.Linux.Routing;

/// <summary>Where an ESP packet to one peer goes on the wire: the next hop's MAC, our source address, the path MTU.</summary>
/// <param name="Confirmed">The kernel's neighbour entry is REACHABLE (or static); otherwise it needs the kernel's own traffic to revalidate it.</param>
internal sealed record NextHop(ulong Mac, uint Source, int Mtu, bool Confirmed);

/// <summary>
/// Asks the kernel (rtnetlink, in the namespace the socket was opened in) how it would send to a peer out of the
/// WAN NIC: the route (RTM_GETROUTE: gateway, output interface, preferred source, MTU metric) and the next hop's
/// neighbour entry (RTM_GETNEIGH: link-layer address and NUD state). Anything else than a unicast route out of the
/// WAN NIC with a known link-layer address gives null, and the caller keeps the kernel's own IP path.
/// </summary>
internal sealed class NextHopResolver : IDisposable
{
    private const ushort RTM_NEWNEIGH = 28, RTM_GETNEIGH = 30;
    private const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PREFSRC = 7, RTA_METRICS = 8, RTAX_MTU = 2;
    private const ushort NDA_DST = 1, NDA_LLADDR = 2;
    private const byte RTN_UNICAST = 1;
    // NUD states the kernel itself would transmit on without probing first (neighbour.h).
    private const ushort NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_DELAY = 0x08, NUD_PROBE = 0x10, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
    private readonly RtNetlink _netlink = new();
    private readonly int _ifIndex;

    public NextHopResolver(int wanIfIndex) => _ifIndex = wanIfIndex;

    /// <param name="destination">The peer's IPv4 address (as read big-endian).</param>
    /// <param name="deviceMtu">The WAN NIC's MTU; a smaller route MTU wins.</param>
    public NextHop? Resolve(uint destination, int deviceMtu)
    {
        if (!TryRoute(destination, out uint nextHop, out uint source, out int routeMtu)) return null;
        if (!TryNeighbour(nextHop, out ulong mac, out ushort state)) return null;
        int mtu = routeMtu > 0 ? Math.Min(routeMtu, deviceMtu) : deviceMtu;
        bool confirmed = (state & (NUD_REACHABLE | NUD_NOARP | NUD_PERMANENT)) != 0;
        return new NextHop(mac, source, mtu, confirmed);
    }

    private bool TryRoute(uint destination, out uint nextHop, out uint source, out int mtu)
    {
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32)
        var body = new List<byte> { 2, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        Span<byte> address = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(address, destination);
        RtNetlink.AddAttribute(body, RTA_DST, address);
        RtNetlink.AddU32(body, RTA_OIF, (uint)_ifIndex);
        bool unicast = false;
        uint gateway = 0, src = 0, oif = 0;
        int metricMtu = 0;
        int error = _netlink.Get(RtNetlink.RTM_GETROUTE, body.ToArray(), (type, msg) =>
        {
            if (type != RtNetlink.RTM_NEWROUTE || msg.Length < 12) return;
            unicast = msg[7] == RTN_UNICAST;
            RtNetlink.ForEachAttribute(msg, 12, (attr, value) =>
            {
                if (attr == RTA_GATEWAY && value.Length == 4) gateway = BinaryPrimitives.ReadUInt32BigEndian(value);
                else if (attr == RTA_PREFSRC && value.Length == 4) src = BinaryPrimitives.ReadUInt32BigEndian(value);
                else if (attr == RTA_OIF && value.Length == 4) oif = BinaryPrimitives.ReadUInt32LittleEndian(value);
                else if (attr == RTA_METRICS)
                    RtNetlink.ForEachAttribute(value, 0, (metric, v) =>
                    {
                        if (metric == RTAX_MTU && v.Length == 4) metricMtu = (int)BinaryPrimitives.ReadUInt32LittleEndian(v);
                    });
            });
        });
        nextHop = gateway != 0 ? gateway : destination;
        source = src;
        mtu = metricMtu;
        return error == 0 && unicast && oif == (uint)_ifIndex && src != 0;
    }

    private bool TryNeighbour(uint nextHop, out ulong mac, out ushort state)
    {
        // struct ndmsg: family, pad1, pad2 (u16), ifindex (s32), state (u16), flags, type
        var body = new List<byte> { 2, 0, 0, 0 };
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(value, _ifIndex);
        body.AddRange(value.ToArray());
        body.AddRange(new byte[4]);
        BinaryPrimitives.WriteUInt32BigEndian(value, nextHop);
        RtNetlink.AddAttribute(body, NDA_DST, value);
        ulong lladdr = 0;
        ushort nud = 0;
        bool found = false;
        int error = _netlink.Get(RTM_GETNEIGH, body.ToArray(), (type, msg) =>
        {
            if (type != RTM_NEWNEIGH || msg.Length < 12) return;
            nud = BinaryPrimitives.ReadUInt16LittleEndian(msg[8..]);
            RtNetlink.ForEachAttribute(msg, 12, (attr, v) =>
            {
                if (attr == NDA_LLADDR && v.Length == 6) { lladdr = Io.LanInjector.ReadMac(v); found = true; }
            });
        });
        mac = lladdr;
        state = nud;
        // INCOMPLETE/FAILED/NONE: no usable address (the kernel's path resolves it meanwhile).
        return error == 0 && found && lladdr != 0 && (nud & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_NOARP | NUD_PERMANENT)) != 0;
    }

    public void Dispose() => _netlink.Dispose();
}

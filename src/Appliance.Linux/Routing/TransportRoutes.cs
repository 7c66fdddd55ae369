using System.Buffers.Binary;
using System.Net;

namespace Appliance.Linux.Routing;

/// <summary>
/// Steers the box's own traffic to a transport-mode peer into the TUN device: policy rules send
/// ESP, AH and IKE (UDP 500/4500) to the peer through `main`, everything else to the peer through a
/// table holding "peer dev tun src local" and, at a worse metric, "blackhole peer" — when the process
/// dies the TUN route vanishes with the device and the blackhole keeps the traffic off the wire.
/// IPv4 peers only.
/// </summary>
internal static class TransportRoutes
{
    private const ushort FRA_DST = 1, FRA_PRIORITY = 6, FRA_TABLE = 15, FRA_IP_PROTO = 22, FRA_DPORT_RANGE = 24;
    private const ushort RTA_DST = 1, RTA_OIF = 4, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
    private const byte FR_ACT_TO_TBL = 1, RTN_UNICAST = 1, RTN_BLACKHOLE = 6, RT_SCOPE_LINK = 253, MainTable = 254;

    public static void Install(RtNetlink nl, IPAddress peer, IPAddress local, int tunIndex, uint table, uint priority)
    {
        byte[] p = peer.GetAddressBytes();
        // Control traffic to the peer stays on the main table; the rest goes to the TUN table.
        Rule(nl, p, priority, MainTable, ipProto: 50);
        Rule(nl, p, priority, MainTable, ipProto: 51);
        Rule(nl, p, priority, MainTable, ipProto: 17, port: 500);
        Rule(nl, p, priority, MainTable, ipProto: 17, port: 4500);
        Rule(nl, p, priority + 1, table);
        Route(nl, p, table, RTN_BLACKHOLE, metric: 1000);
        Route(nl, p, table, RTN_UNICAST, metric: 0, oif: tunIndex, source: local.GetAddressBytes());
    }

    private static void Rule(RtNetlink nl, byte[] peer, uint priority, uint table, byte ipProto = 0, ushort port = 0)
    {
        var body = new List<byte>(64);
        body.AddRange([Native.Libc.AF_INET, 32, 0, 0, (byte)(table < 256 ? table : 0), 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, FRA_DST, peer);
        RtNetlink.AddU32(body, FRA_TABLE, table);
        RtNetlink.AddU32(body, FRA_PRIORITY, priority);
        if (ipProto != 0) RtNetlink.AddAttribute(body, FRA_IP_PROTO, [ipProto]);
        if (port != 0)
        {
            Span<byte> range = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(range, port);
            BinaryPrimitives.WriteUInt16LittleEndian(range[2..], port);
            RtNetlink.AddAttribute(body, FRA_DPORT_RANGE, range);
        }
        int err = nl.Request(RtNetlink.RTM_NEWRULE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, body.ToArray());
        if (err != 0 && err != Native.Libc.EEXIST) throw new IOException($"transport rule to table {table} failed: errno {err}");
    }

    private static void Route(RtNetlink nl, byte[] peer, uint table, byte type, uint metric, int oif = 0, byte[]? source = null)
    {
        var body = new List<byte>(64);
        body.AddRange([Native.Libc.AF_INET, 32, 0, 0, (byte)(table < 256 ? table : 0), 0xA7,
            type == RTN_UNICAST ? RT_SCOPE_LINK : (byte)0, type, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, RTA_DST, peer);
        RtNetlink.AddU32(body, RTA_TABLE, table);
        RtNetlink.AddU32(body, RTA_PRIORITY, metric);
        if (oif != 0) RtNetlink.AddU32(body, RTA_OIF, (uint)oif);
        if (source != null) RtNetlink.AddAttribute(body, RTA_PREFSRC, source);
        int err = nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, body.ToArray());
        if (err != 0) throw new IOException($"transport route (type {type}) failed: errno {err}");
    }
}

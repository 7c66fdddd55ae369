using System.Net;
using System.Net.Sockets;

namespace Appliance.Linux.Routing;

/// <summary>
/// Steers the box's own packets to a site tunnel's remote selectors into the TUN device, with the LAN address as
/// source: one policy rule per prefix for locally generated packets (iif lo), consulted before the kill switch, to a
/// table holding "prefix dev tun src lan". Forwarded LAN traffic never matches (its iif is the LAN NIC) and keeps its
/// own path. When the process dies the TUN device and its routes vanish; the rules then find nothing in the table and
/// the lookup falls through to the kill switch's blackholes, so nothing leaves in clear. IPv4 only, as the TUN device.
/// A full tunnel (0.0.0.0/0 for the LAN address) adds one rule for packets from the LAN address (iif lo): into the tunnel
/// by the table's default route, except the office's own subnets (thrown back to the main table). That is how the DNS
/// forwarder, which then sends from the LAN address, reaches every upstream through the tunnel; the box's other traffic
/// (from the WAN address: DHCP, NTP, IKE, name lookups for gateways) keeps the main table. A blackhole default of low
/// preference stays when the TUN device goes with the process, so that traffic is dropped, not sent in clear.
/// </summary>
internal static class OwnTrafficRoutes
{
    private const ushort FRA_DST = 1, FRA_SRC = 2, FRA_IIFNAME = 3, FRA_PRIORITY = 6, FRA_TABLE = 15;
    private const ushort RTA_DST = 1, RTA_OIF = 4, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
    private const byte FR_ACT_TO_TBL = 1, RTN_UNICAST = 1, RTN_BLACKHOLE = 6, RTN_THROW = 9, RT_SCOPE_LINK = 253, RT_SCOPE_UNIVERSE = 0,
        RTPROT_APPLIANCE = 0xA7;

    /// <summary>
    /// When a site tunnel whose local selectors hold <paramref name="source"/> carries 0.0.0.0/0: its IPv4 local selectors
    /// (the office's subnets, which stay local). Null otherwise.
    /// </summary>
    public static IReadOnlyList<IPNetwork>? FullTunnelLocals(IEnumerable<TunnelPolicy> tunnels, IPAddress source)
    {
        foreach (var t in tunnels)
        {
            if (t.PerClient || !t.LocalTs.Any(p => p.Contains(source))) continue;
            if (t.RemoteTs.Any(p => p.PrefixLength == 0 && p.BaseAddress.AddressFamily == AddressFamily.InterNetwork))
                return [.. t.LocalTs.Where(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetwork)];
        }
        return null;
    }

    /// <summary>The prefixes that qualify: IPv4 remote selectors of site tunnels whose local selectors hold the LAN address, not covering a peer.</summary>
    public static IReadOnlyList<IPNetwork> Prefixes(IEnumerable<TunnelPolicy> tunnels, IPAddress source)
    {
        var result = new List<IPNetwork>();
        foreach (var t in tunnels)
        {
            // A remote-access tunnel's remote side is its clients' pool: the box's answers to them (DNS) go in too. A full tunnel
            // (a selector holding the peer) would need exceptions for IKE and ESP to the peer: not carried here.
            if (!t.LocalTs.Any(p => p.Contains(source))) continue;
            foreach (var prefix in t.RemoteTs)
            {
                if (prefix.BaseAddress.AddressFamily != AddressFamily.InterNetwork || prefix.PrefixLength == 0) continue;
                if (t.PeerAddresses.Any(prefix.Contains) || result.Contains(prefix)) continue;
                result.Add(prefix);
            }
        }
        return result;
    }

    /// <summary>Replaces the rules of earlier runs (same table and priority) with one per prefix, and routes them into the TUN device.</summary>
    public static void Apply(RtNetlink nl, IReadOnlyList<IPNetwork> prefixes, IPAddress source, int tunIndex, uint table, uint priority,
        IReadOnlyList<IPNetwork>? fullTunnelLocals = null)
    {
        // The kernel deletes the first rule matching the attributes given; rules of another configuration go too.
        for (int i = 0; i < 1024 && nl.Request(RtNetlink.RTM_DELRULE, 0, RuleBody(null, table, priority)) == 0; i++) { }
        if (fullTunnelLocals is not null)
        {
            var any = new IPNetwork(IPAddress.Any, 0);
            Route(nl, RouteBody(any, source, tunIndex, table), any);
            Route(nl, TypedRouteBody(any, RTN_BLACKHOLE, table, metric: 0xFFFF), any);
            foreach (var local in fullTunnelLocals) Route(nl, TypedRouteBody(local, RTN_THROW, table, metric: 0), local);
            int err = nl.Request(RtNetlink.RTM_NEWRULE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, SourceRuleBody(source, table, priority));
            if (err != 0 && err != Native.Libc.EEXIST) throw new IOException($"own-traffic rule from {source} failed: errno {err}");
        }
        foreach (var prefix in prefixes)
        {
            int err = nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, RouteBody(prefix, source, tunIndex, table));
            if (err != 0) throw new IOException($"own-traffic route {prefix} failed: errno {err}");
            err = nl.Request(RtNetlink.RTM_NEWRULE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, RuleBody(prefix, table, priority));
            if (err != 0 && err != Native.Libc.EEXIST) throw new IOException($"own-traffic rule {prefix} failed: errno {err}");
        }
    }

    private static void Route(RtNetlink nl, byte[] body, IPNetwork prefix)
    {
        int err = nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, body);
        if (err != 0) throw new IOException($"own-traffic route {prefix} failed: errno {err}");
    }

    private static byte[] SourceRuleBody(IPAddress source, uint table, uint priority)
    {
        var body = new List<byte>(64);
        body.AddRange([Native.Libc.AF_INET, 0, 32, 0, (byte)(table < 256 ? table : 0), 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, FRA_SRC, source.GetAddressBytes());
        RtNetlink.AddAttribute(body, FRA_IIFNAME, "lo\0"u8.ToArray());
        RtNetlink.AddU32(body, FRA_TABLE, table);
        RtNetlink.AddU32(body, FRA_PRIORITY, priority);
        return body.ToArray();
    }

    private static byte[] TypedRouteBody(IPNetwork prefix, byte type, uint table, uint metric)
    {
        var body = new List<byte>(48);
        body.AddRange([Native.Libc.AF_INET, (byte)prefix.PrefixLength, 0, 0, (byte)(table < 256 ? table : 0), RTPROT_APPLIANCE,
            RT_SCOPE_UNIVERSE, type, 0, 0, 0, 0]);
        if (prefix.PrefixLength > 0) RtNetlink.AddAttribute(body, RTA_DST, prefix.BaseAddress.GetAddressBytes());
        RtNetlink.AddU32(body, RTA_TABLE, table);
        RtNetlink.AddU32(body, RTA_PRIORITY, metric);
        return body.ToArray();
    }

    private static byte[] RuleBody(IPNetwork? prefix, uint table, uint priority)
    {
        var body = new List<byte>(64);
        body.AddRange([Native.Libc.AF_INET, (byte)(prefix?.PrefixLength ?? 0), 0, 0, (byte)(table < 256 ? table : 0), 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
        if (prefix is { } p)
        {
            RtNetlink.AddAttribute(body, FRA_DST, p.BaseAddress.GetAddressBytes());
            RtNetlink.AddAttribute(body, FRA_IIFNAME, "lo\0"u8.ToArray());
        }
        RtNetlink.AddU32(body, FRA_TABLE, table);
        RtNetlink.AddU32(body, FRA_PRIORITY, priority);
        return body.ToArray();
    }

    private static byte[] RouteBody(IPNetwork prefix, IPAddress source, int tunIndex, uint table)
    {
        var body = new List<byte>(64);
        body.AddRange([Native.Libc.AF_INET, (byte)prefix.PrefixLength, 0, 0, (byte)(table < 256 ? table : 0), RTPROT_APPLIANCE,
            RT_SCOPE_LINK, RTN_UNICAST, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, RTA_DST, prefix.BaseAddress.GetAddressBytes());
        RtNetlink.AddU32(body, RTA_TABLE, table);
        RtNetlink.AddU32(body, RTA_OIF, (uint)tunIndex);
        RtNetlink.AddAttribute(body, RTA_PREFSRC, source.GetAddressBytes());
        return body.ToArray();
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Linux.Routing;

/// <summary>
/// Keeps a dedicated routing table (reached through a policy rule consulted before `main`) equal
/// to the desired set: blackholes for every remote selector, throws for bypass prefixes and peer
/// endpoints. The routes are kernel state, so they outlive the process (SIGKILL included) and
/// the next start reconciles: stale routes are deleted, missing ones added, present ones kept.
/// </summary>
internal sealed class KillSwitch : IDisposable
{
    // Opened once so every later change lands in the network namespace the socket was created in,
    // whichever thread calls.
    private readonly RtNetlink _nl = new();

    private const ushort RTA_DST = 1, RTA_TABLE = 15, FRA_PRIORITY = 6, FRA_TABLE = 15;
    private const byte FR_ACT_TO_TBL = 1, RTPROT_APPLIANCE = 0xA7;

    public KillSwitch(uint table, uint rulePriority)
    {
        Table = table;
        RulePriority = rulePriority;
    }

    public uint Table { get; }
    public uint RulePriority { get; }

    /// <summary>Makes the table hold exactly <paramref name="desired"/> and the rules point at it.</summary>
    /// <returns>(added, removed) route counts.</returns>
    public (int Added, int Removed) Apply(IEnumerable<KillSwitchRoute> desired)
    {
        lock (_nl) return ApplyCore(desired);
    }

    private (int Added, int Removed) ApplyCore(IEnumerable<KillSwitchRoute> desired)
    {
        // A prefix listed as both blackhole and throw is a bypass: throw wins.
        var want = new Dictionary<IPNetwork, KillSwitchAction>();
        foreach (var r in desired)
        {
            var p = new IPNetwork(r.Prefix.BaseAddress, r.Prefix.PrefixLength);
            if (!want.TryGetValue(p, out var have) || r.Action == KillSwitchAction.Throw) want[p] = r.Action;
        }

        var nl = _nl;
        EnsureRule(nl, Libc4);
        // A kernel built without IPv6 refuses AF_INET6 requests: only insist when IPv6 is protected.
        if (want.Keys.Any(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)) EnsureRule(nl, Libc6);
        int removed = 0, added = 0;
        foreach (var route in ListRoutes(nl))
        {
            if (want.TryGetValue(route.Prefix, out var action) && action == route.Action) { want.Remove(route.Prefix); continue; }
            int err = nl.Request(RtNetlink.RTM_DELROUTE, 0, RouteBody(route, forDelete: true));
            if (err != 0 && err != Native.Libc.ESRCH) throw new IOException($"kill switch: deleting {route.Prefix} failed: errno {err}");
            removed++;
        }
        foreach (var (prefix, action) in want)
        {
            int err = nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE,
                RouteBody(new KillSwitchRoute(prefix, action)));
            if (err != 0) throw new IOException($"kill switch: adding {action} {prefix} failed: errno {err}");
            added++;
        }
        return (added, removed);
    }

    /// <summary>Adds (or replaces) one route without reading the table: for changes too frequent for <see cref="Apply"/>.</summary>
    public void AddRoute(KillSwitchRoute route)
    {
        int err;
        lock (_nl) err = _nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, RouteBody(route));
        if (err != 0) throw new IOException($"kill switch: adding {route.Action} {route.Prefix} failed: errno {err}");
    }

    /// <summary>Removes one route; one already gone is fine.</summary>
    public void RemoveRoute(KillSwitchRoute route)
    {
        int err;
        lock (_nl) err = _nl.Request(RtNetlink.RTM_DELROUTE, 0, RouteBody(route, forDelete: true));
        if (err != 0 && err != Native.Libc.ESRCH) throw new IOException($"kill switch: deleting {route.Prefix} failed: errno {err}");
    }

    /// <summary>Routes the box's own traffic to a transport-mode peer through the TUN device (see <see cref="TransportRoutes"/>).</summary>
    public void InstallTransport(IPAddress peer, IPAddress local, int tunIndex)
    {
        lock (_nl) TransportRoutes.Install(_nl, peer, local, tunIndex, Table + 1, RulePriority - 11);
    }

    /// <summary>Routes the box's own packets to site tunnels' remote prefixes through the TUN device (see <see cref="OwnTrafficRoutes"/>).</summary>
    public void InstallOwnTraffic(IReadOnlyList<IPNetwork> prefixes, IPAddress source, int tunIndex)
    {
        lock (_nl) OwnTrafficRoutes.Apply(_nl, prefixes, source, tunIndex, Table + 2, RulePriority - 6);
    }

    /// <summary>The routes currently in the kill switch table (both families).</summary>
    public IReadOnlyList<KillSwitchRoute> ListRoutes()
    {
        lock (_nl) return ListRoutes(_nl);
    }

    public void Dispose() => _nl.Dispose();

    private const byte Libc4 = Native.Libc.AF_INET, Libc6 = Native.Libc.AF_INET6;

    private List<KillSwitchRoute> ListRoutes(RtNetlink nl)
    {
        var routes = new List<KillSwitchRoute>();
        DumpRoutes(nl, Libc4, routes);
        try
        {
            DumpRoutes(nl, Libc6, routes);
        }
        catch (IOException)
        {
            // No IPv6 in this kernel: nothing to list.
        }
        return routes;
    }

    private void DumpRoutes(RtNetlink nl, byte family, List<KillSwitchRoute> routes)
    {
        byte[] req = new byte[12];
        req[0] = family;
        nl.Dump(RtNetlink.RTM_GETROUTE, req, (_, body) =>
        {
            if (body.Length < 12) return;
            byte dstLen = body[1], type = body[7];
            uint table = body[4];
            byte[]? dst = null;
            RtNetlink.ForEachAttribute(body, 12, (t, v) =>
            {
                if (t == RTA_TABLE && v.Length >= 4) table = BinaryPrimitives.ReadUInt32LittleEndian(v);
                else if (t == RTA_DST) dst = v.ToArray();
            });
            if (table != Table) return;
            if (type != (byte)KillSwitchAction.Blackhole && type != (byte)KillSwitchAction.Throw) return;
            var addr = dst is { Length: 4 or 16 } ? new IPAddress(dst) : (body[0] == Libc4 ? IPAddress.Any : IPAddress.IPv6Any);
            routes.Add(new KillSwitchRoute(new IPNetwork(addr, dstLen), (KillSwitchAction)type));
        });
    }

    private byte[] RouteBody(KillSwitchRoute route, bool forDelete = false)
    {
        var body = new List<byte>(40);
        byte[] addr = route.Prefix.BaseAddress.GetAddressBytes();
        byte family = route.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? Libc4 : Libc6;
        body.AddRange([family, (byte)route.Prefix.PrefixLength, 0, 0, (byte)(Table < 256 ? Table : 0),
            forDelete ? (byte)0 : RTPROT_APPLIANCE, forDelete ? (byte)255 : (byte)0 /* RT_SCOPE_UNIVERSE */, (byte)route.Action, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, RTA_DST, addr);
        RtNetlink.AddU32(body, RTA_TABLE, Table);
        return body.ToArray();
    }

    private void EnsureRule(RtNetlink nl, byte family)
    {
        bool present = false;
        byte[] req = new byte[12];
        req[0] = family;
        nl.Dump(RtNetlink.RTM_GETRULE, req, (_, body) =>
        {
            if (body.Length < 12) return;
            uint table = body[4], priority = 0;
            RtNetlink.ForEachAttribute(body, 12, (t, v) =>
            {
                if (t == FRA_TABLE && v.Length >= 4) table = BinaryPrimitives.ReadUInt32LittleEndian(v);
                else if (t == FRA_PRIORITY && v.Length >= 4) priority = BinaryPrimitives.ReadUInt32LittleEndian(v);
            });
            if (table == Table && priority == RulePriority && body[7] == FR_ACT_TO_TBL) present = true;
        });
        if (present) return;
        var rule = new List<byte>(32);
        rule.AddRange([family, 0, 0, 0, (byte)(Table < 256 ? Table : 0), 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
        RtNetlink.AddU32(rule, FRA_TABLE, Table);
        RtNetlink.AddU32(rule, FRA_PRIORITY, RulePriority);
        int err = nl.Request(RtNetlink.RTM_NEWRULE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, rule.ToArray());
        if (err != 0 && err != Native.Libc.EEXIST) throw new IOException($"kill switch: adding rule to table {Table} failed: errno {err}");
    }
}

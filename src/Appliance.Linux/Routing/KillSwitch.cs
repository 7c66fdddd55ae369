using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Linux.Routing;

/// <summary>
/// Keeps a dedicated routing table (reached through a policy rule consulted before `main`) equal
/// to the desired set: blackholes for every remote selector, throws for bypass prefixes and peer
/// endpoints. The routes are kernel state, so they outlive the process (SIGKILL included) and
/// the next start reconciles: stale routes are deleted, missing ones added, present ones kept.
/// A full tunnel's default routes (0.0.0.0/0, ::/0) go to a second table, <see cref="FullTunnelTable"/>, whose rule holds
/// only for packets arriving on the LAN NIC: forwarded office traffic is blackholed, while the box's own traffic (DHCP and
/// DNS on the WAN, NTP, IKE) keeps the main table. The throws (bypass, exclusions, peers) are in both tables.
/// </summary>
internal sealed class KillSwitch : IDisposable
{
    // Opened once so every later change lands in the network namespace the socket was created in,
    // whichever thread calls.
    private readonly RtNetlink _nl = new();

    private const ushort RTA_DST = 1, RTA_TABLE = 15, FRA_IIFNAME = 3, FRA_PRIORITY = 6, FRA_TABLE = 15;
    private const byte FR_ACT_TO_TBL = 1, RTPROT_APPLIANCE = 0xA7;

    public KillSwitch(uint table, uint rulePriority, string? lanInterface = null)
    {
        Table = table;
        RulePriority = rulePriority;
        _lanInterface = lanInterface;
    }

    private readonly string? _lanInterface;
    private bool _full;

    public uint Table { get; }
    public uint RulePriority { get; }

    /// <summary>The full tunnel's table (default blackholes and the throws), looked up for LAN-arrived packets after <see cref="Table"/>.</summary>
    public uint FullTunnelTable => Table + 3;

    /// <summary>Makes the table hold exactly <paramref name="desired"/> and the rules point at it.</summary>
    /// <returns>(added, removed) route counts.</returns>
    /// <param name="ownTrafficOnly">Throws only the box's own traffic needs (the peers' addresses, for IKE and ESP): kept
    /// out of the full tunnel's table, so the LAN's packets to a peer go through the tunnel, not in clear.</param>
    public (int Added, int Removed) Apply(IEnumerable<KillSwitchRoute> desired, IReadOnlyCollection<IPNetwork>? ownTrafficOnly = null)
    {
        lock (_nl) return ApplyCore(desired, ownTrafficOnly ?? []);
    }

    private (int Added, int Removed) ApplyCore(IEnumerable<KillSwitchRoute> desired, IReadOnlyCollection<IPNetwork> ownTrafficOnly)
    {
        // A prefix listed as both blackhole and throw is a bypass: throw wins.
        var want = new Dictionary<IPNetwork, KillSwitchAction>();
        foreach (var r in desired)
        {
            var p = new IPNetwork(r.Prefix.BaseAddress, r.Prefix.PrefixLength);
            if (!want.TryGetValue(p, out var have) || r.Action == KillSwitchAction.Throw) want[p] = r.Action;
        }

        // A default blackhole (a full tunnel) moves to the LAN-only table, together with every throw.
        var full = new Dictionary<IPNetwork, KillSwitchAction>();
        foreach (var (prefix, action) in want)
            if (prefix.PrefixLength == 0 && action == KillSwitchAction.Blackhole) full[prefix] = action;
        if (full.Count > 0 && _lanInterface is null) throw new IOException("kill switch: a full tunnel needs the LAN interface");
        foreach (var prefix in full.Keys) want.Remove(prefix);
        if (full.Count > 0)
            foreach (var (prefix, action) in want)
                if (action == KillSwitchAction.Throw && !ownTrafficOnly.Contains(prefix)) full[prefix] = action;
        _full = full.Count > 0;

        var nl = _nl;
        EnsureRule(nl, Libc4, Table, RulePriority, null);
        // A kernel built without IPv6 refuses AF_INET6 requests: only insist when IPv6 is protected.
        if (want.Keys.Any(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)) EnsureRule(nl, Libc6, Table, RulePriority, null);
        if (_full)
        {
            EnsureRule(nl, Libc4, FullTunnelTable, RulePriority + 1, _lanInterface);
            if (full.Keys.Any(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6))
                EnsureRule(nl, Libc6, FullTunnelTable, RulePriority + 1, _lanInterface);
        }
        var (a1, r1) = Reconcile(nl, Table, want);
        var (a2, r2) = Reconcile(nl, FullTunnelTable, full);
        return (a1 + a2, r1 + r2);
    }

    private (int Added, int Removed) Reconcile(RtNetlink nl, uint table, Dictionary<IPNetwork, KillSwitchAction> want)
    {
        int removed = 0, added = 0;
        var have = new List<KillSwitchRoute>();
        DumpTable(nl, table, have);
        foreach (var route in have)
        {
            if (want.TryGetValue(route.Prefix, out var action) && action == route.Action) { want.Remove(route.Prefix); continue; }
            int err = nl.Request(RtNetlink.RTM_DELROUTE, 0, RouteBody(route, table, forDelete: true));
            if (err != 0 && err != Native.Libc.ESRCH) throw new IOException($"kill switch: deleting {route.Prefix} failed: errno {err}");
            removed++;
        }
        foreach (var (prefix, action) in want)
        {
            int err = nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE,
                RouteBody(new KillSwitchRoute(prefix, action), table));
            if (err != 0) throw new IOException($"kill switch: adding {action} {prefix} failed: errno {err}");
            added++;
        }
        return (added, removed);
    }

    /// <summary>Adds (or replaces) one route without reading the table: for changes too frequent for <see cref="Apply"/>.</summary>
    public void AddRoute(KillSwitchRoute route)
    {
        lock (_nl)
            foreach (uint table in Tables(route))
            {
                int err = _nl.Request(RtNetlink.RTM_NEWROUTE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, RouteBody(route, table));
                if (err != 0) throw new IOException($"kill switch: adding {route.Action} {route.Prefix} failed: errno {err}");
            }
    }

    // A throw is needed wherever a blackhole could catch the prefix: in the full tunnel's table too when there is one.
    private uint[] Tables(KillSwitchRoute route) => _full && route.Action == KillSwitchAction.Throw ? [Table, FullTunnelTable] : [Table];

    /// <summary>Removes one route; one already gone is fine.</summary>
    public void RemoveRoute(KillSwitchRoute route)
    {
        lock (_nl)
            foreach (uint table in Tables(route))
            {
                int err = _nl.Request(RtNetlink.RTM_DELROUTE, 0, RouteBody(route, table, forDelete: true));
                if (err != 0 && err != Native.Libc.ESRCH) throw new IOException($"kill switch: deleting {route.Prefix} failed: errno {err}");
            }
    }

    /// <summary>Routes the box's own traffic to a transport-mode peer through the TUN device (see <see cref="TransportRoutes"/>).</summary>
    public void InstallTransport(IPAddress peer, IPAddress local, int tunIndex)
    {
        lock (_nl) TransportRoutes.Install(_nl, peer, local, tunIndex, Table + 1, RulePriority - 11);
    }

    /// <summary>Routes the box's own packets to site tunnels' remote prefixes through the TUN device (see <see cref="OwnTrafficRoutes"/>).</summary>
    public void InstallOwnTraffic(IReadOnlyList<IPNetwork> prefixes, IPAddress source, int tunIndex, IReadOnlyList<IPNetwork>? fullTunnelLocals = null)
    {
        lock (_nl) OwnTrafficRoutes.Apply(_nl, prefixes, source, tunIndex, Table + 2, RulePriority - 6, fullTunnelLocals);
    }

    /// <summary>The routes currently in the kill switch tables (both families; the full tunnel's table included).</summary>
    public IReadOnlyList<KillSwitchRoute> ListRoutes()
    {
        lock (_nl) return ListRoutes(_nl);
    }

    public void Dispose() => _nl.Dispose();

    private const byte Libc4 = Native.Libc.AF_INET, Libc6 = Native.Libc.AF_INET6;

    private List<KillSwitchRoute> ListRoutes(RtNetlink nl)
    {
        var routes = new List<KillSwitchRoute>();
        DumpTable(nl, Table, routes);
        var full = new List<KillSwitchRoute>();
        DumpTable(nl, FullTunnelTable, full);
        foreach (var r in full)
            if (!routes.Contains(r)) routes.Add(r);
        return routes;
    }

    private static void DumpTable(RtNetlink nl, uint table, List<KillSwitchRoute> routes)
    {
        DumpRoutes(nl, Libc4, table, routes);
        try
        {
            DumpRoutes(nl, Libc6, table, routes);
        }
        catch (IOException)
        {
            // No IPv6 in this kernel: nothing to list.
        }
    }

    private static void DumpRoutes(RtNetlink nl, byte family, uint wanted, List<KillSwitchRoute> routes)
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
            if (table != wanted) return;
            if (type != (byte)KillSwitchAction.Blackhole && type != (byte)KillSwitchAction.Throw) return;
            var addr = dst is { Length: 4 or 16 } ? new IPAddress(dst) : (body[0] == Libc4 ? IPAddress.Any : IPAddress.IPv6Any);
            routes.Add(new KillSwitchRoute(new IPNetwork(addr, dstLen), (KillSwitchAction)type));
        });
    }

    private static byte[] RouteBody(KillSwitchRoute route, uint table, bool forDelete = false)
    {
        var body = new List<byte>(40);
        byte[] addr = route.Prefix.BaseAddress.GetAddressBytes();
        byte family = route.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? Libc4 : Libc6;
        body.AddRange([family, (byte)route.Prefix.PrefixLength, 0, 0, (byte)(table < 256 ? table : 0),
            forDelete ? (byte)0 : RTPROT_APPLIANCE, forDelete ? (byte)255 : (byte)0 /* RT_SCOPE_UNIVERSE */, (byte)route.Action, 0, 0, 0, 0]);
        RtNetlink.AddAttribute(body, RTA_DST, addr);
        RtNetlink.AddU32(body, RTA_TABLE, table);
        return body.ToArray();
    }

    /// <summary>A rule to <paramref name="table"/> at <paramref name="priority"/>, for packets arriving on <paramref name="iif"/> when given.</summary>
    private static void EnsureRule(RtNetlink nl, byte family, uint table, uint priority, string? iif)
    {
        bool present = false;
        byte[] req = new byte[12];
        req[0] = family;
        nl.Dump(RtNetlink.RTM_GETRULE, req, (_, body) =>
        {
            if (body.Length < 12) return;
            uint ruleTable = body[4], rulePriority = 0;
            string? ruleIif = null;
            RtNetlink.ForEachAttribute(body, 12, (t, v) =>
            {
                if (t == FRA_TABLE && v.Length >= 4) ruleTable = BinaryPrimitives.ReadUInt32LittleEndian(v);
                else if (t == FRA_PRIORITY && v.Length >= 4) rulePriority = BinaryPrimitives.ReadUInt32LittleEndian(v);
                else if (t == FRA_IIFNAME) ruleIif = System.Text.Encoding.ASCII.GetString(v).TrimEnd('\0');
            });
            if (ruleTable == table && rulePriority == priority && body[7] == FR_ACT_TO_TBL && ruleIif == iif) present = true;
        });
        if (present) return;
        var rule = new List<byte>(32);
        rule.AddRange([family, 0, 0, 0, (byte)(table < 256 ? table : 0), 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
        if (iif is not null) RtNetlink.AddAttribute(rule, FRA_IIFNAME, System.Text.Encoding.ASCII.GetBytes(iif + "\0"));
        RtNetlink.AddU32(rule, FRA_TABLE, table);
        RtNetlink.AddU32(rule, FRA_PRIORITY, priority);
        int err = nl.Request(RtNetlink.RTM_NEWRULE, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, rule.ToArray());
        if (err != 0 && err != Native.Libc.EEXIST) throw new IOException($"kill switch: adding rule to table {table} failed: errno {err}");
    }
}

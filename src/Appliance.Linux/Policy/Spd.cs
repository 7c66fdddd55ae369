namespace Appliance.Linux.Policy;

/// <summary>
/// The outbound security policy database: ordered tunnels, each with local/remote selectors and
/// bypass prefixes, plus the addresses of excluded domains while the DNS answer that named them is fresh. Immutable once built, so lookups need no lock; reconfiguration swaps the instance.
/// </summary>
internal sealed class Spd
{
    private readonly Entry[] _entries;
    private readonly ExcludedAddresses? _excluded;

    /// <param name="excluded">Addresses the DNS forwarder resolved for an excluded domain: bypass while held.</param>
    public Spd(IEnumerable<TunnelPolicy> tunnels, ExcludedAddresses? excluded = null)
    {
        _excluded = excluded;
        _entries = tunnels.Select((t, i) => new Entry(i, t, Prefix.From(t.LocalTs), Prefix.From(t.RemoteTs), Prefix.From(t.Bypass))).ToArray();
    }

    public int Count => _entries.Length;

    public TunnelPolicy Tunnel(int index) => _entries[index].Policy;

    /// <summary>Decides for a packet from <paramref name="source"/> to <paramref name="destination"/>; tunnel index when PROTECT.</summary>
    public SpdAction Lookup(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, out int tunnel)
    {
        tunnel = -1;
        // Multicast and broadcast are the LAN's own (mDNS, SSDP, DHCP): never tunnel traffic, even under 0.0.0.0/0.
        if (IsMulticastOrBroadcast(destination)) return SpdAction.NotOurs;
        foreach (var e in _entries)
        {
            // A destination among the tunnel's own local selectors (the box, the office's subnets) stays local under a
            // remote selector that covers it (a full tunnel), as strongSwan's bypass-lan does.
            if (!Prefix.AnyContains(e.Remote, destination) || Prefix.AnyContains(e.Local, destination)) continue;
            if (Prefix.AnyContains(e.Bypass, destination) || Prefix.AnyContains(e.Bypass, source) || _excluded?.Contains(destination) == true)
                return SpdAction.Bypass;
            if (Prefix.AnyContains(e.Local, source))
            {
                tunnel = e.Index;
                return SpdAction.Protect;
            }
        }
        // A remote-protected destination from a source outside every local selector can't be protected
        // and must not leave in clear.
        foreach (var e in _entries)
            if (Prefix.AnyContains(e.Remote, destination)) return SpdAction.Discard;
        return SpdAction.NotOurs;
    }

    private static bool IsMulticastOrBroadcast(ReadOnlySpan<byte> a) =>
        a.Length == 4 ? a[0] >= 224 : a.Length == 16 && a[0] == 0xFF;

    public int IndexOf(string name)
    {
        foreach (var e in _entries)
            if (e.Policy.Name == name) return e.Index;
        return -1;
    }

    private sealed record Entry(int Index, TunnelPolicy Policy, Prefix[] Local, Prefix[] Remote, Prefix[] Bypass);
}

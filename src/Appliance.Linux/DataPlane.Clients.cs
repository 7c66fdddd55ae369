using Appliance.Linux.Packets;
using Appliance.Linux.Policy;
using Appliance.Linux.Sa;

namespace Appliance.Linux;

// Remote-access tunnels (TunnelPolicy.PerClient): every client has its own Child SA with selectors narrowed to its virtual
// IP, and they stand side by side. Outbound, the packet's addresses pick the SA among the tunnel's; a rekey replaces the
// SA with the same selectors, as the single outbound SA of a site tunnel is replaced.
public sealed partial class DataPlane
{
    // Per tunnel index: the outbound SAs of a PerClient tunnel (null for other tunnels). Swapped whole under _gate.
    private OutboundSa[]?[] _clientOut = [];

    // Whether opened packets may belong in another tunnel: a remote-access tunnel beside others (its clients reach HQ).
    private bool _betweenTunnels;
    private Prefix[][] _tunnelLocals = [];

    /// <summary>
    /// An opened packet the SPD gives to another tunnel: a remote-access client's packet to HQ (the site tunnel's LocalTs holds
    /// the pool), or HQ's answer to a client (the remote-access tunnel's LocalTs holds HQ's network). Sealed there as the box's
    /// own packets are; true when the SPD claimed it, sent or dropped, so it never reaches the LAN.
    /// </summary>
    private bool IntoAnotherTunnel(InboundSa sa, Span<byte> packet, IpView ip)
    {
        if (_spd.Lookup(ip.Source, ip.Destination, out int tunnel) != SpdAction.Protect || IsServiceTunnel(tunnel)
            || tunnel == _spd.IndexOf(sa.Install.Tunnel)
            // The office's own networks stay local, also under a full tunnel (0.0.0.0/0) whose LocalTs holds the pool.
            || Prefix.AnyContains(_tunnelLocals[tunnel], ip.Destination)) return false;
        SealBetweenTunnels(packet);
        return true;
    }

    private void InitClientSlots()
    {
        _clientOut = new OutboundSa[]?[_spd.Count];
        for (int i = 0; i < _spd.Count; i++)
            if (_spd.Tunnel(i).PerClient) _clientOut[i] = [];
        _betweenTunnels = _spd.Count > 1 && _clientOut.Any(c => c is not null);
        _tunnelLocals = [.. Enumerable.Range(0, _spd.Count).Select(i => Prefix.From(_spd.Tunnel(i).LocalTs))];
    }

    private bool IsPerClient(int index) => Volatile.Read(ref _clientOut)[index] is not null;

    /// <summary>The selectors that tell a PerClient tunnel's SAs apart: a rekey's new SA has the old one's.</summary>
    private static bool SameSelectors(SaInstall a, SaInstall b) =>
        a.RemoteTs.SequenceEqual(b.RemoteTs) && a.LocalTs.SequenceEqual(b.LocalTs);

    /// <summary>True when the PerClient tunnel already sends on an SA with these selectors (a rekey is under way). Caller holds _gate.</summary>
    private bool HasClientSa(int index, SaInstall sa) => _clientOut[index]!.Any(o => SameSelectors(o.Install, sa));

    /// <summary>Makes <paramref name="outbound"/> the SA for its selectors, replacing the one it rekeys. Caller holds _gate.</summary>
    private void ActivateClient(int index, OutboundSa outbound)
    {
        var slots = (OutboundSa[]?[])_clientOut.Clone();
        slots[index] = [.. _clientOut[index]!.Where(o => !SameSelectors(o.Install, outbound.Install)), outbound];
        Volatile.Write(ref _clientOut, slots);
    }

    /// <summary>
    /// An SA of a PerClient tunnel was removed: if it was sending, the newest other SA with the same selectors (its rekey)
    /// takes over; otherwise the client's traffic has no SA any more. Caller holds _gate.
    /// </summary>
    private void RemoveClient(int index, SaInstall sa, OutboundSa outbound)
    {
        OutboundSa[] current = _clientOut[index]!;
        if (!current.Contains(outbound)) return;
        var successor = _installed.LastOrDefault(s => s.Sa.Tunnel == sa.Tunnel && !s.Sa.ReceiveOnly && SameSelectors(s.Sa, sa));
        if (successor.In is { } pending) pending.PendingOutbound = null;
        var slots = (OutboundSa[]?[])_clientOut.Clone();
        slots[index] = successor.Out is { } next
            ? [.. current.Where(o => o != outbound), next]
            : current.Where(o => o != outbound).ToArray();
        Volatile.Write(ref _clientOut, slots);
    }

    /// <summary>The SA of a PerClient tunnel whose negotiated selectors cover the packet, or null (no client at that address).</summary>
    private static OutboundSa? FindClient(OutboundSa[] clients, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        foreach (OutboundSa sa in clients)
            if (Prefix.AnyContains(sa.RemotePrefixes, destination) && Prefix.AnyContains(sa.LocalPrefixes, source))
                return sa;
        return null;
    }
}

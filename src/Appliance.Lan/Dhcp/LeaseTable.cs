using System.Net;

namespace Appliance.Lan.Dhcp;

public enum LeaseState { Offered, Bound, Released, Declined }

/// <summary>One address's record: who had or has it, in which state, until when.</summary>
public sealed record DhcpLease(MacAddress Mac, IPAddress Address, LeaseState State, DateTimeOffset Expires, string? HostName = null);

/// <summary>
/// Who holds which address (RFC 2131 §4.3.1's bookkeeping), with time from an injected clock. An expired or
/// released record is kept so the client gets the same address back, and is reused last for anyone else.
/// Clients are told apart by their hardware address, which is also what static leases name.
/// </summary>
public sealed class LeaseTable(DhcpServerSettings settings, TimeProvider time)
{
    private readonly Dictionary<uint, DhcpLease> _byAddress = new();
    private readonly Dictionary<MacAddress, uint> _byMac = new();
    private readonly Dictionary<uint, MacAddress> _staticOwner =
        settings.StaticLeases.ToDictionary(p => Ipv4.ToUInt32(p.Value), p => p.Key);

    /// <summary>Set when a change needs persisting (offers are not persisted); cleared by the owner after saving.</summary>
    public bool Dirty { get; set; }

    public IReadOnlyCollection<DhcpLease> All => _byAddress.Values;

    /// <summary>The records worth keeping across a restart: everything but offers.</summary>
    public IEnumerable<DhcpLease> Persistent => _byAddress.Values.Where(l => l.State != LeaseState.Offered);

    private DateTimeOffset Now => time.GetUtcNow();

    private bool IsActive(DhcpLease l) => l.State != LeaseState.Released && l.Expires > Now;

    /// <summary>The record of the address this client was last associated with, if any.</summary>
    public DhcpLease? Find(MacAddress mac) =>
        _byMac.TryGetValue(mac, out uint a) && _byAddress.TryGetValue(a, out var l) && l.Mac == mac ? l : null;

    /// <summary>Whether <paramref name="address"/> may be given to this client now.</summary>
    public bool CanAssign(MacAddress mac, IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        uint a = Ipv4.ToUInt32(address);
        if (settings.StaticLeases.TryGetValue(mac, out var own)) return own.Equals(address);
        if (_staticOwner.ContainsKey(a) || !settings.InPool(a)) return false;
        if (!_byAddress.TryGetValue(a, out var l) || !IsActive(l)) return true;
        return l.Mac == mac && l.State != LeaseState.Declined;
    }

    /// <summary>
    /// The address to offer: the static lease, else the client's previous address, else the one it asks for,
    /// else a never-used pool address, else the one that has been free the longest. Null when the pool is full.
    /// </summary>
    public IPAddress? Choose(MacAddress mac, IPAddress? requested)
    {
        if (settings.StaticLeases.TryGetValue(mac, out var fixedAddress)) return fixedAddress;
        if (Find(mac) is { } previous && CanAssign(mac, previous.Address)) return previous.Address;
        if (requested is not null && CanAssign(mac, requested)) return requested;
        uint start = Ipv4.ToUInt32(settings.PoolStart), end = Ipv4.ToUInt32(settings.PoolEnd);
        uint? oldest = null;
        DateTimeOffset oldestExpiry = DateTimeOffset.MaxValue;
        for (uint a = start; a <= end && a >= start; a++)
        {
            if (!settings.IsAssignable(a) || _staticOwner.ContainsKey(a)) continue;
            if (!_byAddress.TryGetValue(a, out var l)) return Ipv4.FromUInt32(a);
            if (!IsActive(l) && l.Expires < oldestExpiry) { oldest = a; oldestExpiry = l.Expires; }
        }
        return oldest is { } o ? Ipv4.FromUInt32(o) : null;
    }

    /// <summary>Holds an offered address for the client for the offer hold time (a bound lease is left bound).</summary>
    public void Offer(MacAddress mac, IPAddress address)
    {
        uint a = Ipv4.ToUInt32(address);
        if (_byAddress.TryGetValue(a, out var l) && l.Mac == mac && l.State == LeaseState.Bound && IsActive(l)) return;
        Associate(mac, a);
        _byAddress[a] = new DhcpLease(mac, address, LeaseState.Offered, Now + settings.OfferHold, l?.Mac == mac ? l.HostName : null);
    }

    /// <summary>Binds (or renews) the address for the lease time.</summary>
    public DhcpLease Bind(MacAddress mac, IPAddress address, string? hostName)
    {
        uint a = Ipv4.ToUInt32(address);
        Associate(mac, a);
        var lease = new DhcpLease(mac, address, LeaseState.Bound, Now + settings.LeaseTime, hostName);
        _byAddress[a] = lease;
        Dirty = true;
        return lease;
    }

    /// <summary>The client gives the address back (RELEASE); it stays associated so the client gets it again.</summary>
    public bool Release(MacAddress mac, IPAddress address)
    {
        if (!TryOwned(mac, address, out uint a, out var l)) return false;
        _byAddress[a] = l with { State = LeaseState.Released, Expires = Now };
        Dirty = true;
        return true;
    }

    /// <summary>The client found the address in use (DECLINE): nobody gets it for the decline hold time.</summary>
    public bool Decline(MacAddress mac, IPAddress address)
    {
        if (!TryOwned(mac, address, out uint a, out var l)) return false;
        _byAddress[a] = l with { State = LeaseState.Declined, Expires = Now + settings.DeclineHold };
        _byMac.Remove(mac);
        Dirty = true;
        return true;
    }

    /// <summary>A client that chose another server's offer gives up our hold at once.</summary>
    public void Withdraw(MacAddress mac)
    {
        if (Find(mac) is { State: LeaseState.Offered } l) _byAddress[Ipv4.ToUInt32(l.Address)] = l with { Expires = Now };
    }

    /// <summary>Records read back at start; ones that no longer fit the settings (subnet, static leases) are dropped.</summary>
    public int Load(IEnumerable<DhcpLease> leases)
    {
        int dropped = 0;
        foreach (var l in leases)
        {
            uint a = Ipv4.ToUInt32(l.Address);
            bool fits = l.State != LeaseState.Offered && settings.IsAssignable(a) &&
                        (!_staticOwner.TryGetValue(a, out var owner) || owner == l.Mac);
            if (!fits) { dropped++; continue; }
            _byAddress[a] = l;
            if (l.State != LeaseState.Declined) Associate(l.Mac, a);
        }
        return dropped;
    }

    private bool TryOwned(MacAddress mac, IPAddress address, out uint a, out DhcpLease lease)
    {
        a = 0;
        lease = null!;
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        a = Ipv4.ToUInt32(address);
        return _byAddress.TryGetValue(a, out lease!) && lease.Mac == mac && lease.State != LeaseState.Declined;
    }

    // A client holds one address: moving it releases the record of its previous one.
    private void Associate(MacAddress mac, uint address)
    {
        if (_byMac.TryGetValue(mac, out uint old) && old != address &&
            _byAddress.TryGetValue(old, out var previous) && previous.Mac == mac && previous.State != LeaseState.Declined)
        {
            _byAddress.Remove(old);
            Dirty |= previous.State != LeaseState.Offered;
        }
        _byMac[mac] = address;
    }
}

using System.Net;

namespace Appliance.Lan.Dhcp;

/// <summary>What the DHCP server hands out on one LAN; built and checked from configuration by the host.</summary>
public sealed record DhcpServerSettings
{
    /// <summary>The box's LAN address: server identifier (option 54) and, by default, router and DNS server.</summary>
    public required IPAddress ServerAddress { get; init; }
    public required int PrefixLength { get; init; }
    public required IPAddress PoolStart { get; init; }
    public required IPAddress PoolEnd { get; init; }
    public required TimeSpan LeaseTime { get; init; }
    public IReadOnlyDictionary<MacAddress, IPAddress> StaticLeases { get; init; } = new Dictionary<MacAddress, IPAddress>();
    public IReadOnlyList<IPAddress> Routers { get; init; } = [];
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];
    public string? DomainName { get; init; }
    public IReadOnlyList<string> SearchDomains { get; init; } = [];

    /// <summary>How long an offered address is held for the client that was offered it (dnsmasq holds it too).</summary>
    public TimeSpan OfferHold { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an address a client DECLINEd (found in use, RFC 2131 §3.1.5) stays out of the pool.</summary>
    public TimeSpan DeclineHold { get; init; } = TimeSpan.FromMinutes(10);

    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    public uint Network => Ipv4.ToUInt32(ServerAddress) & Mask;
    public uint BroadcastValue => Network | ~Mask;
    public IPAddress SubnetMask => Ipv4.FromUInt32(Mask);
    public IPAddress Broadcast => Ipv4.FromUInt32(BroadcastValue);

    /// <summary>A host address of this subnet other than the network, broadcast and the box's own.</summary>
    public bool IsAssignable(uint address) =>
        (address & Mask) == Network && address != Network && address != BroadcastValue && address != Ipv4.ToUInt32(ServerAddress);

    public bool InPool(uint address) =>
        address >= Ipv4.ToUInt32(PoolStart) && address <= Ipv4.ToUInt32(PoolEnd) && IsAssignable(address);

    /// <summary>Problems with the settings, as (setting, message); the host prefixes the configuration key.</summary>
    public IEnumerable<(string Setting, string Problem)> Problems()
    {
        if (ServerAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || PrefixLength is < 8 or > 30)
        {
            yield return ("Address", $"the LAN needs an IPv4 address with a prefix of 8..30 to serve DHCP (got {ServerAddress}/{PrefixLength})");
            yield break;
        }
        bool poolValid = true;
        foreach (var (name, a) in new[] { ("PoolStart", PoolStart), ("PoolEnd", PoolEnd) })
            if (a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !IsAssignable(Ipv4.ToUInt32(a)))
            {
                poolValid = false;
                yield return (name, $"{a} is not a host address of {Ipv4.FromUInt32(Network)}/{PrefixLength} other than the box's {ServerAddress}");
            }
        if (poolValid && Ipv4.ToUInt32(PoolStart) > Ipv4.ToUInt32(PoolEnd))
            yield return ("PoolEnd", $"{PoolEnd} is below PoolStart {PoolStart}");
        if (LeaseTime < TimeSpan.FromMinutes(2) || LeaseTime > TimeSpan.FromDays(365))
            yield return ("LeaseTime", $"must be between 00:02:00 and 365.00:00:00 (got {LeaseTime})");
        var seen = new Dictionary<IPAddress, MacAddress>();
        foreach (var (mac, address) in StaticLeases)
        {
            if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !IsAssignable(Ipv4.ToUInt32(address)))
                yield return ("StaticLeases", $"{mac}={address}: not a host address of the LAN other than the box's");
            else if (!seen.TryAdd(address, mac))
                yield return ("StaticLeases", $"{address} is given to both {seen[address]} and {mac}");
        }
    }
}

/// <summary>IPv4 addresses as host-order integers, for pool arithmetic.</summary>
public static class Ipv4
{
    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out int n) || n != 4) throw new ArgumentException($"{address} is not IPv4", nameof(address));
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress FromUInt32(uint value)
    {
        var b = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }
}

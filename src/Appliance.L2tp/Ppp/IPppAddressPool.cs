using System.Net;
using Appliance.Ike.Exchanges;

namespace Appliance.L2tp.Ppp;

/// <summary>Where IPCP gets a client's address (RFC 1332 §3.3) and gives it back when the session ends.</summary>
public interface IPppAddressPool
{
    /// <summary>A free address, or null when the pool is exhausted.</summary>
    IPAddress? Allocate();

    void Release(IPAddress address);
}

/// <summary>
/// The IKEv2 remote-access pool (<see cref="VirtualIpPool"/>: lowest free first, never the network or broadcast
/// address) behind <see cref="IPppAddressPool"/>. The first host address is taken for the box's end of the PPP links.
/// </summary>
public sealed class VirtualIpPoolAddresses : IPppAddressPool
{
    private readonly VirtualIpPool _pool;

    public VirtualIpPoolAddresses(IPNetwork network)
    {
        if (network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException("IPCP hands out IPv4 addresses", nameof(network));
        _pool = new VirtualIpPool(network);
        ServerAddress = _pool.Allocate() ?? throw new ArgumentException($"pool {network} has no host address", nameof(network));
    }

    /// <summary>The box's address on the PPP links (for <see cref="PppOptions.ServerAddress"/>).</summary>
    public IPAddress ServerAddress { get; }

    public int LeasedCount => _pool.LeasedCount - 1;

    public IPAddress? Allocate() => _pool.Allocate();

    public void Release(IPAddress address)
    {
        if (!address.Equals(ServerAddress))
            _pool.Release(address);
    }

    public bool IsLeased(IPAddress address) => !address.Equals(ServerAddress) && _pool.IsLeased(address);
}

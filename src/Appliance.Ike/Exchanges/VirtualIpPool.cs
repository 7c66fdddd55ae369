using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Hands out the addresses of one pool (RFC 7296 §3.15.4 INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS): lowest free first;
/// never the network address, nor the broadcast address of an IPv4 pool. An address is given back when its IKE SA goes.
/// </summary>
internal sealed class VirtualIpPool
{
    private readonly IPNetwork _network;
    private readonly BigInteger _first, _last;
    private readonly SortedSet<BigInteger> _leased = [];

    public VirtualIpPool(IPNetwork network)
    {
        _network = network;
        int bits = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        BigInteger size = BigInteger.One << (bits - network.PrefixLength);
        BigInteger baseValue = ToNumber(network.BaseAddress);
        _first = baseValue + 1;
        _last = bits == 32 ? baseValue + size - 2 : baseValue + size - 1;
    }

    public IPNetwork Network => _network;
    public int LeasedCount => _leased.Count;

    /// <summary>The number of addresses it can hand out (capped at int.MaxValue for large IPv6 pools).</summary>
    public long Capacity => _last < _first ? 0 : (long)BigInteger.Min(_last - _first + 1, int.MaxValue);

    public IPAddress? Allocate()
    {
        BigInteger candidate = _first;
        foreach (BigInteger used in _leased)
        {
            if (used > candidate) break;
            if (used == candidate) candidate++;
        }
        if (candidate > _last)
            return null;
        _leased.Add(candidate);
        return ToAddress(candidate);
    }

    public void Release(IPAddress address) => _leased.Remove(ToNumber(address));

    public bool IsLeased(IPAddress address) => _leased.Contains(ToNumber(address));

    private static BigInteger ToNumber(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private IPAddress ToAddress(BigInteger n)
    {
        int length = _network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        byte[] raw = n.ToByteArray(isUnsigned: true, isBigEndian: true);
        var bytes = new byte[length];
        raw.CopyTo(bytes, length - raw.Length);
        return new IPAddress(bytes);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Buffers.Binary;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Hands out the addresses of one pool (RFC 7296 §3.15.4 INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS): lowest free first;
/// never the network address, nor the broadcast address of an IPv4 pool. An address is given back when its IKE SA goes.
/// </summary>
/// <remarks>Addresses are UInt128 (an IPv6 address fits exactly): a struct, no heap object per address as BigInteger had.
/// </remarks>
internal sealed class VirtualIpPool
{
    private readonly IPNetwork _network;
    private readonly UInt128 _first, _last;
    private readonly SortedSet<UInt128> _leased = [];

    public VirtualIpPool(IPNetwork network)
    {
        _network = network;
        int bits = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int hostBits = bits - network.PrefixLength;
        UInt128 baseValue = ToNumber(network.BaseAddress);
        // The last host of the prefix without overflowing: a /0 IPv6 pool has 2^128 addresses.
        UInt128 hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        if (hostBits < (bits == 32 ? 2 : 1))
        {
            (_first, _last) = (UInt128.One, UInt128.Zero); // no host address (an IPv4 /31 or /32, an IPv6 /128)
            return;
        }
        _first = baseValue + 1;
        _last = bits == 32 ? baseValue + hostMask - 1 : baseValue + hostMask;
    }

    public IPNetwork Network => _network;
    public int LeasedCount => _leased.Count;

    /// <summary>The number of addresses it can hand out (capped at int.MaxValue for large IPv6 pools).</summary>
    public long Capacity => _last < _first ? 0 : (long)UInt128.Min(_last - _first, int.MaxValue - 1) + 1;

    public IPAddress? Allocate()
    {
        UInt128 candidate = _first;
        foreach (UInt128 used in _leased)
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

    private static UInt128 ToNumber(IPAddress a)
    {
        byte[] bytes = a.GetAddressBytes();
        return bytes.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private IPAddress ToAddress(UInt128 n)
    {
        if (_network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
        {
            var v4 = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)n);
            return new IPAddress(v4);
        }
        var v6 = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, n);
        return new IPAddress(v6);
    }
}

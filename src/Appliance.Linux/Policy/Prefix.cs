using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Linux.Policy;

/// <summary>An address prefix matched against raw 4/16-byte addresses without allocating (the data path's form of IPNetwork).</summary>
internal readonly struct Prefix
{
    private readonly ulong _hi, _lo, _maskHi, _maskLo;

    public Prefix(IPNetwork network)
    {
        Network = network;
        AddressLength = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        Span<byte> addr = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(addr, out _);
        (_hi, _lo) = Load(addr[..AddressLength]);
        int bits = network.PrefixLength + (AddressLength == 4 ? 96 : 0);
        _maskHi = bits >= 64 ? ulong.MaxValue : bits == 0 ? 0 : ulong.MaxValue << (64 - bits);
        _maskLo = bits <= 64 ? 0 : bits >= 128 ? ulong.MaxValue : ulong.MaxValue << (128 - bits);
        if (AddressLength == 4) _maskHi = ulong.MaxValue; // the IPv4 "upper 96 bits" are always zero on both sides
        _hi &= _maskHi;
        _lo &= _maskLo;
    }

    public IPNetwork Network { get; }
    public int AddressLength { get; }

    public bool Contains(ReadOnlySpan<byte> address)
    {
        if (address.Length != AddressLength) return false;
        var (hi, lo) = Load(address);
        return (hi & _maskHi) == _hi && (lo & _maskLo) == _lo;
    }

    private static (ulong Hi, ulong Lo) Load(ReadOnlySpan<byte> a) => a.Length == 4
        ? (0UL, BinaryPrimitives.ReadUInt32BigEndian(a))
        : (BinaryPrimitives.ReadUInt64BigEndian(a), BinaryPrimitives.ReadUInt64BigEndian(a[8..]));

    public static Prefix[] From(IEnumerable<IPNetwork> networks) => networks.Select(n => new Prefix(n)).ToArray();

    public static bool AnyContains(Prefix[] prefixes, ReadOnlySpan<byte> address)
    {
        foreach (var p in prefixes)
            if (p.Contains(address)) return true;
        return false;
    }
}

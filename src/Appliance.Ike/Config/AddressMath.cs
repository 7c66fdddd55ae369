using System.Net;
using System.Net.Sockets;

namespace Appliance.Ike;

/// <summary>Big-endian arithmetic on IP addresses for selector ranges.</summary>
internal static class AddressMath
{
    public static int Compare(IPAddress a, IPAddress b)
    {
        if (a.AddressFamily != b.AddressFamily)
            return a.AddressFamily == AddressFamily.InterNetwork ? -1 : 1;
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, out int nx);
        b.TryWriteBytes(y, out int ny);
        return x[..nx].SequenceCompareTo(y[..ny]);
    }

    public static (IPAddress Start, IPAddress End) PrefixRange(IPAddress network, int prefix)
    {
        byte[] start = network.GetAddressBytes();
        byte[] end = (byte[])start.Clone();
        for (int bit = prefix; bit < start.Length * 8; bit++)
        {
            int i = bit / 8;
            byte mask = (byte)(0x80 >> (bit % 8));
            start[i] &= (byte)~mask;
            end[i] |= mask;
        }
        return (new IPAddress(start), new IPAddress(end));
    }

    public static bool TryGetPrefix(IPAddress start, IPAddress end, out int prefix)
    {
        byte[] s = start.GetAddressBytes();
        byte[] e = end.GetAddressBytes();
        int bits = s.Length * 8;
        for (prefix = 0; prefix <= bits; prefix++)
        {
            (IPAddress ps, IPAddress pe) = PrefixRange(start, prefix);
            if (ps.Equals(start) && pe.Equals(end))
                return true;
        }
        _ = e;
        prefix = -1;
        return false;
    }

    public static IPAddress Unspecified(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
}

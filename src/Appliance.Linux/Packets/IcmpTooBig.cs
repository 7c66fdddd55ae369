using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Packets;

/// <summary>
/// Builds the "packet too big" error a LAN host needs for path MTU discovery when its DF packet
/// does not fit the tunnel: ICMPv4 type 3 code 4 with the next-hop MTU (RFC 792, RFC 1191 §4) or
/// ICMPv6 type 2 (RFC 4443 §3.2). The IPv4 source is left 0.0.0.0 so the kernel's raw socket
/// fills in the box's address on the LAN NIC.
/// </summary>
internal static class IcmpTooBig
{
    public const int MaxLength = 1280;

    /// <summary>Writes the whole IP packet into <paramref name="destination"/>; returns its length, 0 if it must not be sent.</summary>
    public static int Write(ReadOnlySpan<byte> offending, int mtu, Span<byte> destination, ReadOnlySpan<byte> ipv6Source = default)
    {
        if (!IpView.TryParse(offending, out var ip)) return 0;
        // Never answer an ICMP error with another (RFC 1122 §3.2.2) — cheap check: skip all ICMP but echo.
        if (ip.Protocol == IpProtocol.Icmp && (offending.Length <= ip.HeaderLength || offending[ip.HeaderLength] is not (8 or 0))) return 0;
        return ip.Version == 4 ? WriteV4(offending, ip, mtu, destination) : WriteV6(offending, mtu, destination, ipv6Source);
    }

    private static int WriteV4(ReadOnlySpan<byte> offending, IpView ip, int mtu, Span<byte> destination)
    {
        // RFC 792: the original IP header plus the first 64 bits of its data.
        int quoted = Math.Min(ip.TotalLength, ip.HeaderLength + 8);
        int length = 20 + 8 + quoted;
        if (destination.Length < length) return 0;
        IPv4Header.Write(destination, stackalloc byte[4], ip.Source, IpProtocol.Icmp, length, 0);
        var icmp = destination.Slice(20, 8 + quoted);
        icmp[0] = 3; // destination unreachable
        icmp[1] = 4; // fragmentation needed and DF set
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)mtu);
        offending[..quoted].CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return length;
    }

    private static int WriteV6(ReadOnlySpan<byte> offending, int mtu, Span<byte> destination, ReadOnlySpan<byte> source)
    {
        if (source.Length != 16) return 0; // the kernel does not pick an IPv6 source for header-included packets
        int quoted = Math.Min(offending.Length, MaxLength - 40 - 8);
        int length = 40 + 8 + quoted;
        if (destination.Length < length) return 0;
        IPv6Header.Write(destination, source, offending.Slice(8, 16), IpProtocol.IcmpV6, 8 + quoted, 255);
        var icmp = destination.Slice(40, 8 + quoted);
        icmp[0] = 2; // packet too big
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)Math.Max(mtu, 1280));
        offending[..quoted].CopyTo(icmp[8..]);
        ulong pseudo = InternetChecksum.PseudoHeaderIPv6(source, offending.Slice(8, 16), IpProtocol.IcmpV6, icmp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.ComputeWithPseudoHeader(pseudo, icmp));
        return length;
    }
}

using System.Buffers.Binary;

namespace Appliance.Ipsec.Packets;

/// <summary>
/// The Internet checksum (RFC 1071), its incremental update (RFC 1624) and the pseudo-header sums
/// TCP/UDP/ICMPv6 need (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1). Sums are carried unfolded in a
/// <see cref="ulong"/> so pieces can be added in any order and folded once at the end.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words to a running sum; an odd last byte is padded with zero.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        // 32-bit words keep the loop short; the fold below makes the result identical to 16-bit summation.
        for (; i + 4 <= data.Length; i += 4)
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to put on the wire.</summary>
    public static ushort Finish(ulong sum)
    {
        while ((sum >> 16) != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Checksum of one contiguous block.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Computes and stores the IPv4 header checksum (RFC 791 §3.1); the header length comes from IHL.</summary>
    public static void WriteIPv4HeaderChecksum(Span<byte> header)
    {
        int length = (header[0] & 0x0F) * 4;
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Compute(header[..length]));
    }

    /// <summary>True when the IPv4 header (IHL from byte 0) sums to zero, i.e. its checksum is right.</summary>
    public static bool VerifyIPv4Header(ReadOnlySpan<byte> header)
    {
        if (header.Length < IPv4Header.MinLength)
            return false;
        int length = (header[0] & 0x0F) * 4;
        return length >= IPv4Header.MinLength && length <= header.Length && Compute(header[..length]) == 0;
    }

    /// <summary>
    /// RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit field changes from
    /// <paramref name="oldValue"/> to <paramref name="newValue"/>, without re-reading the packet
    /// (TTL decrement, MSS clamping, NAT).
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldValue + newValue;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>RFC 1624 for a 32-bit field (an IPv4 address, a TCP sequence number).</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue) =>
        Update(Update(checksum, (ushort)(oldValue >> 16), (ushort)(newValue >> 16)), (ushort)oldValue, (ushort)newValue);

    /// <summary>IPv4 pseudo-header sum: source, destination, zero, protocol, upper-layer length (RFC 768, RFC 9293 §3.1).</summary>
    public static ulong PseudoHeaderIPv4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int upperLayerLength)
    {
        if (source.Length != 4 || destination.Length != 4)
            throw new ArgumentException("IPv4 addresses are 4 bytes.");
        ulong sum = Add(0, source);
        sum = Add(sum, destination);
        return sum + protocol + (uint)(ushort)upperLayerLength;
    }

    /// <summary>IPv6 pseudo-header sum: source, destination, 32-bit upper-layer length, next header (RFC 8200 §8.1).</summary>
    public static ulong PseudoHeaderIPv6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, int upperLayerLength)
    {
        if (source.Length != 16 || destination.Length != 16)
            throw new ArgumentException("IPv6 addresses are 16 bytes.");
        ulong sum = Add(0, source);
        sum = Add(sum, destination);
        return sum + (uint)upperLayerLength + nextHeader;
    }

    /// <summary>Checksum of an upper-layer segment given its pseudo-header sum; UDP maps a result of 0 to 0xFFFF (RFC 768).</summary>
    public static ushort ComputeWithPseudoHeader(ulong pseudoHeaderSum, ReadOnlySpan<byte> segment, bool udp = false)
    {
        ushort result = Finish(Add(pseudoHeaderSum, segment));
        return udp && result == 0 ? (ushort)0xFFFF : result;
    }
}

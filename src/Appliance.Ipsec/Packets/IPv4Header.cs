using System.Buffers.Binary;

namespace Appliance.Ipsec.Packets;

/// <summary>Offsets and span helpers for the IPv4 header (RFC 791 §3.1). Parse steps check bounds first.</summary>
public static class IPv4Header
{
    public const int MinLength = 20;
    public const int MaxLength = 60;
    public const int TosOffset = 1;
    public const int TotalLengthOffset = 2;
    public const int IdentificationOffset = 4;
    public const int FlagsFragmentOffset = 6;
    public const int TtlOffset = 8;
    public const int ProtocolOffset = 9;
    public const int ChecksumOffset = 10;
    public const int SourceOffset = 12;
    public const int DestinationOffset = 16;

    /// <summary>
    /// Validates version, IHL and total length against <paramref name="packet"/> and returns the header
    /// length and total length. False for anything malformed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out int headerLength, out int totalLength)
    {
        headerLength = 0;
        totalLength = 0;
        if (packet.Length < MinLength || (packet[0] >> 4) != 4)
            return false;
        int ihl = (packet[0] & 0x0F) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(packet[TotalLengthOffset..]);
        if (ihl < MinLength || total < ihl || total > packet.Length)
            return false;
        headerLength = ihl;
        totalLength = total;
        return true;
    }

    /// <summary>True when MF is set or the fragment offset is non-zero.</summary>
    public static bool IsFragment(ReadOnlySpan<byte> header) =>
        (BinaryPrimitives.ReadUInt16BigEndian(header[FlagsFragmentOffset..]) & 0x3FFF) != 0;

    /// <summary>Writes a 20-byte header without options and its checksum.</summary>
    public static void Write(Span<byte> header, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination,
        byte protocol, int totalLength, ushort identification, byte ttl = 64, byte tos = 0, bool dontFragment = false)
    {
        if (source.Length != 4 || destination.Length != 4)
            throw new ArgumentException("IPv4 addresses are 4 bytes.");
        header[0] = 0x45;
        header[TosOffset] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(header[TotalLengthOffset..], checked((ushort)totalLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[IdentificationOffset..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[FlagsFragmentOffset..], dontFragment ? (ushort)0x4000 : (ushort)0);
        header[TtlOffset] = ttl;
        header[ProtocolOffset] = protocol;
        source.CopyTo(header[SourceOffset..]);
        destination.CopyTo(header[DestinationOffset..]);
        InternetChecksum.WriteIPv4HeaderChecksum(header);
    }

    /// <summary>Changes protocol and total length and patches the checksum incrementally (RFC 1624).</summary>
    public static void SetProtocolAndLength(Span<byte> header, byte protocol, int totalLength)
    {
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(header[ChecksumOffset..]);
        ushort oldTtlProto = BinaryPrimitives.ReadUInt16BigEndian(header[TtlOffset..]);
        ushort oldLength = BinaryPrimitives.ReadUInt16BigEndian(header[TotalLengthOffset..]);
        header[ProtocolOffset] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[TotalLengthOffset..], checked((ushort)totalLength));
        checksum = InternetChecksum.Update(checksum, oldTtlProto, BinaryPrimitives.ReadUInt16BigEndian(header[TtlOffset..]));
        checksum = InternetChecksum.Update(checksum, oldLength, (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(header[ChecksumOffset..], checksum);
    }
}

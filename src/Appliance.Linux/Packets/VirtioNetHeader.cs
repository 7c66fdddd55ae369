using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Packets;

/// <summary>
/// struct virtio_net_hdr (10 bytes, host byte order) that PACKET_VNET_HDR puts before each packet:
/// tells whether the packet is a GSO super-packet (and its segment size) and whether the sender
/// left the L4 checksum for hardware to finish (include/uapi/linux/virtio_net.h).
/// </summary>
internal readonly struct VirtioNetHeader
{
    public const int Size = 10;
    public const byte NeedsChecksumFlag = 1;
    public const byte GsoNone = 0, GsoTcpV4 = 1, GsoUdp = 3, GsoTcpV6 = 4, GsoUdpL4 = 5, GsoEcn = 0x80;

    public readonly byte Flags;
    public readonly byte GsoType;
    public readonly ushort GsoSize;
    public readonly ushort ChecksumStart;
    public readonly ushort ChecksumOffset;

    public VirtioNetHeader(byte flags, byte gsoType, ushort gsoSize, ushort checksumStart, ushort checksumOffset)
    {
        Flags = flags; GsoType = gsoType; GsoSize = gsoSize; ChecksumStart = checksumStart; ChecksumOffset = checksumOffset;
    }

    public bool NeedsChecksum => (Flags & NeedsChecksumFlag) != 0;
    public byte GsoKind => (byte)(GsoType & ~GsoEcn);

    public static VirtioNetHeader Read(ReadOnlySpan<byte> h) => new(h[0], h[1],
        BinaryPrimitives.ReadUInt16LittleEndian(h[4..]), BinaryPrimitives.ReadUInt16LittleEndian(h[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(h[8..]));

    /// <summary>
    /// Finishes a partial checksum: the field already holds the pseudo-header sum, so the Internet
    /// checksum of everything from ChecksumStart to the end is the final value (as skb_checksum_help).
    /// </summary>
    /// <param name="packet">The IP packet.</param>
    /// <param name="linkHeaderLength">Bytes of link header before the packet: ChecksumStart counts from the frame's start.</param>
    public bool TryCompleteChecksum(Span<byte> packet, int linkHeaderLength)
    {
        if (!NeedsChecksum) return true;
        int start = ChecksumStart - linkHeaderLength;
        int field = start + ChecksumOffset;
        if (start < 0 || start >= packet.Length || field + 2 > packet.Length) return false;
        ushort sum = InternetChecksum.Compute(packet[start..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[field..], sum);
        return true;
    }
}

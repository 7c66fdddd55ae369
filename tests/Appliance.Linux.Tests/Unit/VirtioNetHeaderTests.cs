using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Packets;

namespace Appliance.Linux.Tests.Unit;

/// <summary>
/// Finishing CHECKSUM_PARTIAL packets as a NIC would: the checksum field holds the (uncomplemented)
/// pseudo-header sum and the checksum over [csum_start, end) is stored at csum_start + csum_offset
/// (include/uapi/linux/virtio_net.h; Linux skb_checksum_help).
/// </summary>
public sealed class VirtioNetHeaderTests
{
    [Fact]
    public void Partial_tcp_checksum_is_completed_relative_to_the_frame_start()
    {
        byte[] packet = TcpPackets.Build(TcpPackets.Ack, [], 333);
        ushort correct = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(36));
        // What a sender with checksum offload leaves: the folded pseudo-header sum, not complemented.
        ulong pseudo = InternetChecksum.PseudoHeaderIPv4(packet.AsSpan(12, 4), packet.AsSpan(16, 4), IpProtocol.Tcp, packet.Length - 20);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(36), (ushort)~InternetChecksum.Finish(pseudo));
        byte[] header = new byte[VirtioNetHeader.Size];
        header[0] = VirtioNetHeader.NeedsChecksumFlag;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 14 + 20); // Ethernet + IPv4 header
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 16);
        var vnet = VirtioNetHeader.Read(header);

        Assert.True(vnet.TryCompleteChecksum(packet, linkHeaderLength: 14));

        Assert.Equal(correct, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(36)));
        Assert.True(TcpPackets.TcpChecksumValid(packet));
    }

    [Fact]
    public void Out_of_range_offsets_are_refused()
    {
        byte[] packet = TcpPackets.Build(TcpPackets.Ack, [], 10);
        var vnet = new VirtioNetHeader(VirtioNetHeader.NeedsChecksumFlag, 0, 0, 14 + 60, 16);
        Assert.False(vnet.TryCompleteChecksum(packet, 14));
        Assert.False(new VirtioNetHeader(VirtioNetHeader.NeedsChecksumFlag, 0, 0, 4, 0).TryCompleteChecksum(packet, 14));
    }
}

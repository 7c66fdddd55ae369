using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// AF_PACKET (SOCK_RAW: PACKET_VNET_HDR needs it) socket on the LAN NIC: sees every frame LAN hosts
/// send, Ethernet header included, with a virtio_net_hdr in front so offloaded packets arrive intact (GSO super-packets
/// with their segment size, and partial checksums the sender left for the NIC to finish).
/// Packets the box itself sends out of this NIC are ignored.
/// </summary>
internal sealed unsafe class LanCapture : IDisposable
{
    public LanCapture(string ifName, TimeSpan receiveTimeout)
    {
        IfIndex = Libc.InterfaceIndex(ifName);
        Fd = Libc.Check(Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC,
            BinaryPrimitives.ReverseEndianness(Libc.ETH_P_ALL)), "socket(AF_PACKET)");
        try
        {
            Libc.SetInt(Fd, Libc.SOL_PACKET, Libc.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            Libc.SetInt(Fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            TrySetBuffer(Fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, 8 << 20);
            Libc.SetReceiveTimeout(Fd, receiveTimeout);
            var sll = new SockAddrLl
            {
                Family = Libc.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_ALL),
                IfIndex = IfIndex,
            };
            Libc.Check(Libc.bind(Fd, &sll, sizeof(SockAddrLl)), "bind(AF_PACKET " + ifName + ")");
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
    }

    public int Fd { get; }
    public int IfIndex { get; }

    internal static void TrySetBuffer(int fd, int forceOption, int option, int bytes)
    {
        int v = bytes;
        if (Libc.setsockopt(fd, Libc.SOL_SOCKET, forceOption, &v, sizeof(int)) < 0)
            Libc.setsockopt(fd, Libc.SOL_SOCKET, option, &v, sizeof(int));
    }

    public void Dispose() => Libc.close(Fd);
}

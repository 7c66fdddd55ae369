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
        Fd = PacketSocket.OpenReceiver(ifName, IfIndex, "lan rx", Libc.SOCK_RAW, receiveTimeout,
            fd => Libc.SetInt(fd, Libc.SOL_PACKET, Libc.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR"));
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

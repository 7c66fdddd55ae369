using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// AF_PACKET sockets bound to one NIC. Each is created with protocol 0, so the kernel queues nothing on it (from any
/// NIC) until its options and filters are set and it is bound; on any failure it is closed and the exception passed on.
/// </summary>
internal static unsafe class PacketSocket
{
    /// <summary>Only sends whole frames (bound with protocol 0: the kernel delivers it nothing), with a large send buffer for sendmmsg batches.</summary>
    /// <param name="configure">Runs on the new socket before it is bound (socket options, device checks).</param>
    public static int OpenSender(string ifName, int ifIndex, string what, Action<int> configure) =>
        Open(ifName, ifIndex, what, Libc.SOCK_RAW, 0, fd =>
        {
            configure(fd);
            LanCapture.TrySetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
        });

    /// <summary>
    /// Receives the NIC's frames (ETH_P_ALL: the taps run before tc ingress) that <paramref name="configure"/> lets
    /// through, never the box's own outgoing ones, with a large receive buffer and a receive timeout so the worker
    /// notices a stop.
    /// </summary>
    /// <param name="type">SOCK_RAW (link header kept) or SOCK_DGRAM (packets start at the network header).</param>
    /// <param name="configure">Runs on the new socket before it is bound (socket filter, PACKET_VNET_HDR).</param>
    public static int OpenReceiver(string ifName, int ifIndex, string what, int type, TimeSpan receiveTimeout, Action<int> configure) =>
        Open(ifName, ifIndex, what, type, Libc.ETH_P_ALL, fd =>
        {
            configure(fd);
            Libc.SetInt(fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            LanCapture.TrySetBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, 8 << 20);
            Libc.SetReceiveTimeout(fd, receiveTimeout);
        });

    private static int Open(string ifName, int ifIndex, string what, int type, ushort bindProtocol, Action<int> configure)
    {
        int fd = Libc.Check(Libc.socket(Libc.AF_PACKET, type | Libc.SOCK_CLOEXEC, 0), $"socket(AF_PACKET {what})");
        try
        {
            configure(fd);
            var sll = new SockAddrLl
            {
                Family = Libc.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(bindProtocol),
                IfIndex = ifIndex,
            };
            Libc.Check(Libc.bind(fd, &sll, sizeof(SockAddrLl)), $"bind(AF_PACKET {what} {ifName})");
            return fd;
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
    }
}

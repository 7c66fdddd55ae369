using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// AF_PACKET SOCK_DGRAM socket (link header stripped: each packet starts at its IPv4 header) on the WAN NIC that
/// receives only the box's own unfragmented raw ESP (<see cref="EspIngressPrograms.SocketFilter"/>). Bound to
/// ETH_P_ALL, not ETH_P_IP: __netif_receive_skb_core runs the ETH_P_ALL taps before tc ingress but the per-protocol
/// handlers after it, where the tc filter has already dropped the packets. Only
/// useful together with the tc filter that drops the same packets before ip_rcv; without it the raw socket would
/// receive them too. The filter is attached before the socket is bound, so nothing unfiltered is ever queued.
/// </summary>
internal sealed unsafe class WanFrameReceiver : IDisposable
{
    private const int SO_ATTACH_FILTER = 26;

    public WanFrameReceiver(string ifName, uint wanAddress, TimeSpan receiveTimeout)
    {
        IfIndex = Libc.InterfaceIndex(ifName);
        Address = wanAddress;
        Fd = PacketSocket.OpenReceiver(ifName, IfIndex, "wan rx", Libc.SOCK_DGRAM, receiveTimeout, fd =>
        {
            byte[] program = EspIngressPrograms.SocketFilter(wanAddress);
            fixed (byte* p = program)
            {
                // struct sock_fprog: unsigned short len, then (8-aligned) the pointer.
                byte* fprog = stackalloc byte[16];
                new Span<byte>(fprog, 16).Clear();
                *(ushort*)fprog = (ushort)(program.Length / 8);
                *(byte**)(fprog + 8) = p;
                Libc.Check(Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16), "SO_ATTACH_FILTER");
            }
        });
    }

    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>The WAN IPv4 address the filters select (host order).</summary>
    public uint Address { get; }

    public void Dispose() => Libc.close(Fd);
}

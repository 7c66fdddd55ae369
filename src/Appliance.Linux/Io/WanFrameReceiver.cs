using System.Buffers.Binary;
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
        // Protocol 0 until bound: the socket receives nothing before its filter is in place.
        Fd = Libc.Check(Libc.socket(Libc.AF_PACKET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0), "socket(AF_PACKET wan rx)");
        try
        {
            byte[] program = EspIngressPrograms.SocketFilter(wanAddress);
            fixed (byte* p = program)
            {
                // struct sock_fprog: unsigned short len, then (8-aligned) the pointer.
                byte* fprog = stackalloc byte[16];
                new Span<byte>(fprog, 16).Clear();
                *(ushort*)fprog = (ushort)(program.Length / 8);
                *(byte**)(fprog + 8) = p;
                Libc.Check(Libc.setsockopt(Fd, Libc.SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16), "SO_ATTACH_FILTER");
            }
            Libc.SetInt(Fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            LanCapture.TrySetBuffer(Fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, 8 << 20);
            Libc.SetReceiveTimeout(Fd, receiveTimeout);
            var sll = new SockAddrLl
            {
                Family = Libc.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_ALL),
                IfIndex = IfIndex,
            };
            Libc.Check(Libc.bind(Fd, &sll, sizeof(SockAddrLl)), "bind(AF_PACKET wan rx " + ifName + ")");
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
    }

    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>The WAN IPv4 address the filters select (host order).</summary>
    public uint Address { get; }

    public void Dispose() => Libc.close(Fd);
}

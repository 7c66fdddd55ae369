using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// An AF_PACKET socket that only sends whole frames out of one NIC (protocol 0: the kernel delivers it nothing),
/// with a large send buffer for sendmmsg batches.
/// </summary>
internal static unsafe class PacketSender
{
    /// <param name="configure">Runs on the new socket before it is bound (socket options, device checks).</param>
    /// <returns>The bound socket; on any failure it is closed and the exception passed on.</returns>
    public static int Open(string ifName, int ifIndex, string what, Action<int> configure)
    {
        int fd = Libc.Check(Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0), $"socket(AF_PACKET {what})");
        try
        {
            configure(fd);
            LanCapture.TrySetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
            var sll = new SockAddrLl { Family = Libc.AF_PACKET, Protocol = 0, IfIndex = ifIndex };
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

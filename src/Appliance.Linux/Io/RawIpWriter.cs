using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// IPPROTO_RAW sockets (IPv4 and IPv6, header included) bound to the LAN NIC: decrypted inner
/// packets and the box's ICMP errors are handed to the kernel, which routes them to the LAN host
/// and resolves its MAC. Binding to the LAN NIC guarantees cleartext never leaves by the WAN.
/// </summary>
internal sealed class RawIpWriter : IDisposable
{
    public RawIpWriter(string lanIfName)
    {
        Fd4 = Open(Libc.AF_INET, lanIfName);
        try { Fd6 = Open(Libc.AF_INET6, lanIfName); }
        catch { Libc.close(Fd4); throw; }
    }

    public int Fd4 { get; }
    public int Fd6 { get; }

    private static int Open(int family, string ifName)
    {
        int fd = Libc.Check(Libc.socket(family, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.IPPROTO_RAW), "socket(IPPROTO_RAW)");
        try
        {
            Libc.BindToDevice(fd, ifName);
            LanCapture.TrySetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
            return fd;
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
    }

    public void Dispose()
    {
        Libc.close(Fd4);
        Libc.close(Fd6);
    }
}

using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// A raw IPv4 socket for IP protocol 50 (or 51 for AH) bound to the WAN NIC. Receiving on it also
/// tells the kernel the protocol is handled, so arriving ESP produces no ICMP protocol-unreachable.
/// For ESP the kernel writes the outer IPv4 header on send (and fragments if it must); for AH the
/// caller does (IP_HDRINCL), because the AH ICV covers the outer header's immutable fields.
/// </summary>
internal sealed class EspWanSocket : IDisposable
{
    public EspWanSocket(string wanIfName, int protocol, TimeSpan receiveTimeout, bool headerIncluded = false)
    {
        Protocol = protocol;
        Fd = Libc.Check(Libc.socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol), "socket(SOCK_RAW proto " + protocol + ")");
        try
        {
            Libc.BindToDevice(Fd, wanIfName);
            if (headerIncluded) Libc.SetInt(Fd, Libc.SOL_IP, Libc.IP_HDRINCL, 1, "IP_HDRINCL");
            Libc.SetInt(Fd, Libc.SOL_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_DONT, "IP_MTU_DISCOVER");
            LanCapture.TrySetBuffer(Fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, 8 << 20);
            LanCapture.TrySetBuffer(Fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
            Libc.SetReceiveTimeout(Fd, receiveTimeout);
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
    }

    public int Fd { get; }
    public int Protocol { get; }

    public void Dispose() => Libc.close(Fd);
}

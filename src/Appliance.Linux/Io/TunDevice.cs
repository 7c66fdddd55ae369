using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// A TUN device (IFF_TUN | IFF_NO_PI) for transport mode: the box's own packets to a transport-mode
/// peer are routed into it (policy rules keep ESP, AH and IKE out), sealed, and sent on the WAN;
/// opened packets are written back so the kernel delivers them locally. The device disappears with
/// the process; a blackhole route behind it keeps the kill switch.
/// </summary>
internal sealed unsafe class TunDevice : IDisposable
{
    private const nuint TUNSETIFF = 0x400454CA, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCSIFMTU = 0x8922;
    private const short IFF_TUN = 0x0001, IFF_NO_PI = 0x1000, IFF_UP = 0x1;

    public TunDevice(string name, int mtu)
    {
        Name = name;
        Fd = Libc.Check(Libc.open("/dev/net/tun", 2 /* O_RDWR */ | 0x80000 /* O_CLOEXEC */), "open /dev/net/tun");
        try
        {
            byte* ifreq = stackalloc byte[InterfaceRequest.Size];
            InterfaceRequest.Prepare(ifreq, name);
            BinaryPrimitives.WriteInt16LittleEndian(new Span<byte>(ifreq + InterfaceRequest.Data, 2), IFF_TUN | IFF_NO_PI);
            Libc.Check(Libc.ioctl(Fd, TUNSETIFF, ifreq), "TUNSETIFF " + name);
            IfIndex = Libc.InterfaceIndex(name);
            // Transport mode is IPv4 only: without IPv6 addresses on the device the kernel sends no router
            // solicitations or MLD reports into it (each would count as a malformed drop). rtnetlink, not
            // /proc/sys, which the unit's ProtectKernelTunables=yes keeps read-only.
            Routing.Ipv6AddressGeneration.Disable(IfIndex);
            int sock = Libc.Check(Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0), "socket");
            try
            {
                InterfaceRequest.Prepare(ifreq, name);
                BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(ifreq + InterfaceRequest.Data, 4), mtu);
                Libc.Check(Libc.ioctl(sock, SIOCSIFMTU, ifreq), "SIOCSIFMTU " + name);
                InterfaceRequest.Prepare(ifreq, name);
                Libc.Check(Libc.ioctl(sock, SIOCGIFFLAGS, ifreq), "SIOCGIFFLAGS " + name);
                short flags = BinaryPrimitives.ReadInt16LittleEndian(new Span<byte>(ifreq + InterfaceRequest.Data, 2));
                BinaryPrimitives.WriteInt16LittleEndian(new Span<byte>(ifreq + InterfaceRequest.Data, 2), (short)(flags | IFF_UP));
                Libc.Check(Libc.ioctl(sock, SIOCSIFFLAGS, ifreq), "SIOCSIFFLAGS " + name);
            }
            finally
            {
                Libc.close(sock);
            }
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
    }

    public string Name { get; }
    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>Reads one packet, waiting at most <paramref name="timeoutMs"/>; 0 when nothing came.</summary>
    public int Read(Span<byte> buffer, int timeoutMs)
    {
        var pfd = new PollFd { Fd = Fd, Events = 1 /* POLLIN */ };
        if (Libc.poll(&pfd, 1, timeoutMs) <= 0) return 0;
        fixed (byte* p = buffer)
        {
            nint n = Libc.read(Fd, p, (nuint)buffer.Length);
            return n < 0 ? 0 : (int)n;
        }
    }

    /// <summary>Hands one IP packet to the kernel as if it had arrived on the device.</summary>
    public bool Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* p = packet) return Libc.write(Fd, p, (nuint)packet.Length) == packet.Length;
    }

    public void Dispose() => Libc.close(Fd);
}

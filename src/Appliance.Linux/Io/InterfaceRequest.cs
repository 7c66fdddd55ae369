using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// struct ifreq and the interface ioctls on it (netdevice(7)). Asked through a socket, so the answer is about the
/// socket's network namespace (/sys shows the mount namespace's view instead).
/// </summary>
internal static unsafe class InterfaceRequest
{
    /// <summary>sizeof(struct ifreq) on 64-bit Linux: name[16], then a 24-byte union.</summary>
    public const int Size = 40;
    /// <summary>Where the union (ifr_mtu, ifr_flags, ifr_hwaddr) starts.</summary>
    public const int Data = 16;

    private const nuint SIOCGIFADDR = 0x8915, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927;

    /// <summary>Clears <paramref name="ifreq"/> and writes the interface name (at most IFNAMSIZ - 1 bytes).</summary>
    public static void Prepare(byte* ifreq, string ifName)
    {
        var span = new Span<byte>(ifreq, Size);
        span.Clear();
        System.Text.Encoding.ASCII.GetBytes(ifName.AsSpan(0, Math.Min(ifName.Length, 15)), span[..15]);
    }

    /// <summary>The NIC's MTU now, or null when the kernel does not know the interface (any more).</summary>
    public static int? Mtu(int socketFd, string ifName)
    {
        byte* ifreq = stackalloc byte[Size];
        Prepare(ifreq, ifName);
        if (Libc.ioctl(socketFd, SIOCGIFMTU, ifreq) < 0) return null;
        int mtu = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(ifreq + Data, 4));
        return mtu > 0 ? mtu : null;
    }

    /// <summary>SIOCGIFHWADDR: the device's ARPHRD_* type (the sockaddr's family) and its MAC (48 bits in the low bytes).</summary>
    public static (ushort Type, ulong Mac) HardwareAddress(int socketFd, string ifName)
    {
        byte* ifreq = stackalloc byte[Size];
        Prepare(ifreq, ifName);
        Libc.Check(Libc.ioctl(socketFd, SIOCGIFHWADDR, ifreq), "SIOCGIFHWADDR " + ifName);
        var sockaddr = new ReadOnlySpan<byte>(ifreq + Data, 8);
        return (BinaryPrimitives.ReadUInt16LittleEndian(sockaddr), LanInjector.ReadMac(sockaddr[2..]));
    }

    /// <summary>SIOCGIFADDR: the NIC's primary IPv4 address (host order), or null when it has none.</summary>
    public static uint? Ipv4Address(int socketFd, string ifName)
    {
        byte* ifreq = stackalloc byte[Size];
        Prepare(ifreq, ifName);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(ifreq + Data, 2), Libc.AF_INET);
        if (Libc.ioctl(socketFd, SIOCGIFADDR, ifreq) < 0) return null;
        // struct sockaddr_in: family, port, then the address in network order.
        return BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ifreq + Data + 4, 4));
    }
}

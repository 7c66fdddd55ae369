using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>A NIC's MTU as the kernel has it now (SIOCGIFMTU), asked through any socket of the NIC's network namespace.</summary>
internal static unsafe class InterfaceMtu
{
    private const nuint SIOCGIFMTU = 0x8921;

    /// <returns>The MTU, or null when the kernel does not know the interface (any more).</returns>
    public static int? Read(int socketFd, string ifName)
    {
        byte* ifreq = stackalloc byte[40]; // struct ifreq: name[16], then int ifr_mtu
        var span = new Span<byte>(ifreq, 40);
        span.Clear();
        System.Text.Encoding.ASCII.GetBytes(ifName.AsSpan(0, Math.Min(ifName.Length, 15)), span[..15]);
        if (Libc.ioctl(socketFd, SIOCGIFMTU, ifreq) < 0) return null;
        int mtu = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        return mtu > 0 ? mtu : null;
    }
}

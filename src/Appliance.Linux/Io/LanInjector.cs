using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// AF_PACKET (SOCK_RAW, PACKET_VNET_HDR) socket on the LAN NIC for sending whole frames: decrypted
/// TCP segments of one flow go to the LAN host as a single GSO super-packet (as GRO would have
/// built), which spares the host's stack and the box per-segment work. Protocol 0: it receives nothing.
/// </summary>
internal sealed unsafe class LanInjector : IDisposable
{
    public LanInjector(string ifName)
    {
        IfIndex = Libc.InterfaceIndex(ifName);
        Fd = Libc.Check(Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0), "socket(AF_PACKET tx)");
        try
        {
            Mac = ReadMac(Fd, ifName);
            Libc.SetInt(Fd, Libc.SOL_PACKET, Libc.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            LanCapture.TrySetBuffer(Fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
            var sll = new SockAddrLl { Family = Libc.AF_PACKET, Protocol = 0, IfIndex = IfIndex };
            Libc.Check(Libc.bind(Fd, &sll, sizeof(SockAddrLl)), "bind(AF_PACKET tx " + ifName + ")");
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
    }

    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>The LAN NIC's MAC address (48 bits in the low bytes, network order).</summary>
    public ulong Mac { get; }

    /// <summary>SIOCGIFHWADDR on this socket: /sys shows the mount namespace's view, the ioctl the socket's network namespace.</summary>
    internal static ulong ReadMac(int fd, string ifName)
    {
        const nuint SIOCGIFHWADDR = 0x8927;
        byte* ifreq = stackalloc byte[40]; // struct ifreq: name[16], then struct sockaddr (family, data[14])
        var span = new Span<byte>(ifreq, 40);
        span.Clear();
        System.Text.Encoding.ASCII.GetBytes(ifName, span[..15]);
        Libc.Check(Libc.ioctl(fd, SIOCGIFHWADDR, ifreq), "SIOCGIFHWADDR " + ifName);
        return ReadMac(span.Slice(18, 6));
    }

    public static void WriteMac(Span<byte> destination, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)mac);
    }

    public static ulong ReadMac(ReadOnlySpan<byte> source) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]);

    public void Dispose() => Libc.close(Fd);
}

using System.Runtime.InteropServices;

namespace Appliance.Linux.Native;

/// <summary>The few libc calls the data plane needs; every one reports errno through SetLastError.</summary>
internal static unsafe partial class Libc
{
    public const int AF_INET = 2, AF_INET6 = 10, AF_PACKET = 17, AF_NETLINK = 16;
    public const int SOCK_RAW = 3, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SOL_IP = 0, SOL_IPV6 = 41, SOL_PACKET = 263, SOL_NETLINK = 270;
    public const int SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVTIMEO = 20, SO_BINDTODEVICE = 25;
    public const int SO_RCVBUFFORCE = 33, SO_SNDBUFFORCE = 32, SO_REUSEADDR = 2, SO_REUSEPORT = 15;
    public const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;
    public const int MSG_TRUNC = 0x20, EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;
    public const int IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
    public const int IPPROTO_ESP = 50, IPPROTO_AH = 51, IPPROTO_RAW = 255;
    public const int IP_HDRINCL = 3, IP_MTU_DISCOVER = 10, IP_PMTUDISC_DONT = 0;
    public const int IPV6_HDRINCL = 36;
    public const int PACKET_VNET_HDR = 15, PACKET_IGNORE_OUTGOING = 23, PACKET_QDISC_BYPASS = 20;
    public const int MSG_DONTWAIT = 0x40, MSG_WAITFORONE = 0x10000;
    public const int EAGAIN = 11, EINTR = 4, ENOENT = 2, EEXIST = 17, ESRCH = 3, ENOBUFS = 105, ECONNREFUSED = 111, EIO = 5;
    public const int CLONE_NEWNET = 0x40000000;
    public const ushort ETH_P_ALL = 0x0003, ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86DD;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, int len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* msgs, uint vlen, int flags, TimeSpec* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int fd, void* buf, nuint len, int flags, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, void* buf, nuint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeoutMs);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>Throws with the call name and errno when a syscall returned a negative value.</summary>
    public static int Check(int rc, string what)
    {
        if (rc < 0) throw new IOException($"{what} failed: errno {Errno} ({Marshal.GetPInvokeErrorMessage(Errno)})");
        return rc;
    }

    public static void SetInt(int fd, int level, int name, int value, string what)
    {
        int v = value;
        Check(setsockopt(fd, level, name, &v, sizeof(int)), what);
    }

    public static void BindToDevice(int fd, string ifName)
    {
        byte[] name = System.Text.Encoding.ASCII.GetBytes(ifName + "\0");
        fixed (byte* p = name) Check(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p, name.Length), "SO_BINDTODEVICE " + ifName);
    }

    /// <summary>A receive timeout lets blocking worker loops notice a stop request.</summary>
    public static void SetReceiveTimeout(int fd, TimeSpan timeout)
    {
        var tv = new TimeSpec { Seconds = (long)timeout.TotalSeconds, Nanoseconds = (long)(timeout.TotalMicroseconds % 1_000_000) };
        Check(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(TimeSpec)), "SO_RCVTIMEO");
    }

    public static int InterfaceIndex(string ifName)
    {
        uint index = if_nametoindex(ifName);
        if (index == 0) throw new IOException($"network interface '{ifName}' not found");
        return (int)index;
    }
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short ReturnedEvents;
}

/// <summary>struct timespec / struct timeval share this layout on LP64 (both fields 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}

/// <summary>struct cmsghdr on LP64: cmsg_len is a size_t; the data follows at 16 bytes (CMSG_DATA).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CMsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;
}

/// <summary>struct sockaddr_ll (20 bytes); Protocol is in network byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrLl
{
    public ushort Family;
    public ushort Protocol;
    public int IfIndex;
    public ushort HaType;
    public byte PktType;
    public byte HaLen;
    public fixed byte Addr[8];
}

/// <summary>Room for sockaddr_in (16) or sockaddr_in6 (28); written by hand in network byte order.</summary>
[StructLayout(LayoutKind.Sequential, Size = 28)]
internal struct SockAddrInet
{
    public ushort Family;
}

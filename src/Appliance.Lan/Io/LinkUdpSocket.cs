using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Lan.Io;

/// <summary>UDP and TCP sockets tied to one NIC (SO_BINDTODEVICE), so a service on the LAN never answers on the WAN.</summary>
public static class LinkSockets
{
    private const int SOL_SOCKET = 1, SO_BINDTODEVICE = 25;

    /// <summary>
    /// A UDP socket on 0.0.0.0:<paramref name="port"/> bound to <paramref name="device"/> that may send broadcasts: the
    /// DHCP server's (clients without an address send from 0.0.0.0 to 255.255.255.255, which only a wildcard bind sees).
    /// </summary>
    public static Socket BroadcastUdp(string device, int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Broadcast, true);
            BindToDevice(s, device);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A UDP socket on <paramref name="local"/> that only sends: a drop-all socket filter keeps anything from being queued
    /// on it. It shares the endpoint with a device-bound socket (SO_REUSEADDR), which keeps receiving everything from its
    /// device, and sends where a device-bound socket cannot: to addresses routed through another device (the remote-access
    /// and L2TP clients behind the data plane's TUN device), with the same source address and port.
    /// </summary>
    public static Socket SendOnlyUdp(IPEndPoint local)
    {
        var s = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // SO_REUSEADDR alone: .NET's ReuseAddress also sets SO_REUSEPORT, which would make this socket part of the receiving
            // socket's reuseport group, and the kernel would then hand it a share of the queries (dropped by the filter below).
            s.SetRawSocketOption(SOL_SOCKET, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            if (local.AddressFamily == AddressFamily.InterNetwork) s.SetRawSocketOption(0, 15 /* IP_FREEBIND */, BitConverter.GetBytes(1));
            AttachDropAllFilter(s);
            s.Bind(local);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>SO_ATTACH_FILTER with the one-instruction classic BPF program "ret #0": every datagram is dropped before queueing.</summary>
    private static void AttachDropAllFilter(Socket s)
    {
        const int SO_ATTACH_FILTER = 26;
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: BPF_RET|BPF_K (0x06), k = 0 bytes accepted.
        byte[] program = [0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        var pinned = System.Runtime.InteropServices.GCHandle.Alloc(program, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            // struct sock_fprog { u16 len; struct sock_filter *filter; } (64-bit: the pointer at offset 8). The kernel copies the program.
            byte[] fprog = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(fprog, 1);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(fprog.AsSpan(8), pinned.AddrOfPinnedObject().ToInt64());
            s.SetRawSocketOption(SOL_SOCKET, SO_ATTACH_FILTER, fprog);
        }
        finally
        {
            pinned.Free();
        }
    }

    public static void BindToDevice(Socket s, string device)
    {
        // The kernel wants the interface name NUL-terminated (IFNAMSIZ 16).
        byte[] name = new byte[Encoding.ASCII.GetByteCount(device) + 1];
        Encoding.ASCII.GetBytes(device, name);
        s.SetRawSocketOption(SOL_SOCKET, SO_BINDTODEVICE, name);
    }
}

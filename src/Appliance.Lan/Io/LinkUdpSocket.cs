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

    public static void BindToDevice(Socket s, string device)
    {
        // The kernel wants the interface name NUL-terminated (IFNAMSIZ 16).
        byte[] name = new byte[Encoding.ASCII.GetByteCount(device) + 1];
        Encoding.ASCII.GetBytes(device, name);
        s.SetRawSocketOption(SOL_SOCKET, SO_BINDTODEVICE, name);
    }
}

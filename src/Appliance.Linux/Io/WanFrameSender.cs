using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// AF_PACKET (SOCK_RAW, protocol 0: it receives nothing) socket on the WAN NIC for sealed ESP only: the caller
/// writes the Ethernet and outer IPv4 header in front of each ESP packet, so a batch goes to the device without the
/// kernel's per-packet route lookup (through the kill switch's policy rules), ip_append_data, netfilter and
/// neighbour output that the raw IP socket costs. The raw socket stays the path whenever the next hop is unknown or
/// a packet needs fragmenting. No PACKET_QDISC_BYPASS: it skips the packet taps too, so tcpdump on the WAN would no
/// longer see the box's own ESP (and the operator's WAN qdisc, shaping included, would be bypassed).
/// </summary>
internal sealed unsafe class WanFrameSender : IDisposable
{
    public const int EthernetLength = 14;
    public const int HeaderLength = EthernetLength + 20;

    public WanFrameSender(string ifName)
    {
        IfIndex = Libc.InterfaceIndex(ifName);
        ulong mac = 0;
        Fd = PacketSocket.OpenSender(ifName, IfIndex, "wan tx", fd =>
        {
            // Only Ethernet has the 14-byte header written here (PPP, tun and the like: the raw socket sends).
            (ushort type, mac) = InterfaceRequest.HardwareAddress(fd, ifName);
            if (type != ArphrdEther) throw new IOException($"{ifName} is not an Ethernet device");
        });
        Mac = mac;
        _ifName = ifName;
    }

    private readonly string _ifName;

    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>The WAN NIC's MAC address (48 bits in the low bytes, network order).</summary>
    public ulong Mac { get; }

    private const ushort ArphrdEther = 1;

    /// <summary>The WAN NIC's current MTU (asked on this socket, so in its network namespace).</summary>
    public int DeviceMtu() => InterfaceRequest.Mtu(Fd, _ifName) ?? throw new IOException($"SIOCGIFMTU {_ifName} failed");

    /// <summary>
    /// Writes the Ethernet header and the outer IPv4 header (protocol 50) into the first <see cref="HeaderLength"/>
    /// bytes of <paramref name="frame"/>, in front of the ESP packet that fills the rest. DF clear and a fresh ID,
    /// as the raw socket sends (IP_PMTUDISC_DONT): a router on a smaller path may fragment (RFC 4459 §3).
    /// </summary>
    public static void WriteHeaders(Span<byte> frame, ulong destinationMac, ulong sourceMac, uint source, uint destination, ushort identification)
    {
        LanInjector.WriteMac(frame, destinationMac);
        LanInjector.WriteMac(frame[6..], sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], Libc.ETH_P_IP);
        Span<byte> addresses = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(addresses, source);
        BinaryPrimitives.WriteUInt32BigEndian(addresses[4..], destination);
        IPv4Header.Write(frame.Slice(EthernetLength, 20), addresses[..4], addresses[4..], (byte)IpProtocol.Esp,
            frame.Length - EthernetLength, identification);
    }

    public void Dispose() => Libc.close(Fd);
}

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
        ulong mac = 0;
        Fd = PacketSocket.OpenSender(ifName, IfIndex, "tx", fd =>
        {
            mac = InterfaceRequest.HardwareAddress(fd, ifName).Mac;
            Libc.SetInt(fd, Libc.SOL_PACKET, Libc.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
        });
        Mac = mac;
    }

    public int Fd { get; }
    public int IfIndex { get; }

    /// <summary>The LAN NIC's MAC address (48 bits in the low bytes, network order).</summary>
    public ulong Mac { get; }

    public static void WriteMac(Span<byte> destination, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)mac);
    }

    public static ulong ReadMac(ReadOnlySpan<byte> source) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]);

    public void Dispose() => Libc.close(Fd);
}

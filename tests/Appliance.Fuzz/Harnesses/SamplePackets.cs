using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Fuzz.Harnesses;

/// <summary>Well-formed packets between the fuzz fixture's selectors (10.1/16 ↔ 10.2/16, fd01::/16 ↔ fd02::/16): seeds.</summary>
internal static class SamplePackets
{
    private static readonly byte[] Src4 = [10, 1, 0, 5], Dst4 = [10, 2, 0, 7];

    public static byte[] TcpSynV4()
    {
        byte[] p = V4(IpProtocol.Tcp, 24 + 0);
        Tcp(p.AsSpan(20), syn: true);
        return p;
    }

    public static byte[] TcpDataV4(int payload)
    {
        byte[] p = V4(IpProtocol.Tcp, 20 + payload);
        Tcp(p.AsSpan(20), syn: false);
        return p;
    }

    public static byte[] IcmpEchoV4(int payload)
    {
        byte[] p = V4(IpProtocol.Icmp, 8 + payload);
        p[20] = 8;
        return p;
    }

    public static byte[] TcpSynV6()
    {
        var p = new byte[40 + 24];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), 24);
        p[6] = IpProtocol.Tcp;
        p[7] = 64;
        p[8] = 0xfd; p[9] = 0x01; p[23] = 5;
        p[24] = 0xfd; p[25] = 0x02; p[39] = 7;
        Tcp(p.AsSpan(40), syn: true);
        return p;
    }

    /// <summary>virtio-net header (partial checksum, or TCPv4 GSO at 1400) + Ethernet + the packet.</summary>
    public static byte[] LanFrame(byte[] packet, bool gso)
    {
        var f = new byte[10 + 14 + packet.Length];
        f[0] = 1; // NEEDS_CSUM
        f[1] = gso ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(4), (ushort)(gso ? 1400 : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(6), 14 + 20);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(8), 16);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(10 + 12), 0x0800);
        packet.CopyTo(f, 24);
        return f;
    }

    private static byte[] V4(byte protocol, int payload)
    {
        var p = new byte[20 + payload];
        IPv4Header.Write(p, Src4, Dst4, protocol, p.Length, identification: 1, dontFragment: true);
        return p;
    }

    /// <summary>A TCP header; a SYN carries the MSS option (kind 2, 1460) the clamp rewrites.</summary>
    private static void Tcp(Span<byte> t, bool syn)
    {
        BinaryPrimitives.WriteUInt16BigEndian(t, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], 443);
        t[12] = (byte)((syn ? 6 : 5) << 4);
        t[13] = syn ? (byte)0x02 : (byte)0x18;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 65535);
        if (syn) { t[20] = 2; t[21] = 4; BinaryPrimitives.WriteUInt16BigEndian(t[22..], 1460); }
    }
}

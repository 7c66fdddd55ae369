using System.Buffers.Binary;
using System.Net;
using Appliance.Linux.Io;
using Appliance.Linux.Native;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Tests.Harness;

/// <summary>Hand-built packets, raw-socket injection and pcap reading for the tests.</summary>
internal static class Packets
{
    /// <summary>An IPv4 ICMP echo request (RFC 792) with valid checksums.</summary>
    public static byte[] Echo(string source, string destination, ushort sequence, int payload = 32)
    {
        var packet = new byte[20 + 8 + payload];
        IPv4Header.Write(packet, IPAddress.Parse(source).GetAddressBytes(), IPAddress.Parse(destination).GetAddressBytes(),
            IpProtocol.Icmp, packet.Length, sequence);
        var icmp = packet.AsSpan(20);
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0x4242);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        for (int i = 8; i < icmp.Length; i++) icmp[i] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return packet;
    }

    /// <summary>Sends raw IP-protocol payloads (ESP from the SPI on) from inside a namespace.</summary>
    /// (System.Net.Sockets refuses protocol numbers it has no name for, so this calls libc.)
    public static unsafe void Inject(string ns, IPAddress destination, int protocol, params byte[][] payloads) =>
        NetNs.Run(ns, () =>
        {
            int fd = Libc.Check(Libc.socket(Libc.AF_INET, Libc.SOCK_RAW, protocol), "socket");
            try
            {
                byte* name = stackalloc byte[32];
                int nameLength = SockAddr.Write(new Span<byte>(name, 32), destination.GetAddressBytes());
                foreach (var p in payloads)
                    fixed (byte* b = p)
                        if (Libc.sendto(fd, b, (nuint)p.Length, 0, name, nameLength) < 0) throw new IOException($"sendto errno {Libc.Errno}");
            }
            finally
            {
                Libc.close(fd);
            }
        });

    /// <summary>
    /// The IP payloads (after the IPv4 header) of the protocol-<paramref name="protocol"/> packets to
    /// <paramref name="destination"/> in a classic pcap file with Ethernet framing.
    /// </summary>
    public static List<byte[]> ReadPcap(string file, int protocol, IPAddress destination)
    {
        byte[] data = File.ReadAllBytes(file);
        byte[] dst = destination.GetAddressBytes();
        var result = new List<byte[]>();
        for (int off = 24; off + 16 <= data.Length;)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(off + 8));
            var frame = data.AsSpan(off + 16, captured);
            off += 16 + captured;
            if (frame.Length < 34 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800) continue;
            var ip = frame[14..];
            if (!IPv4Header.TryParse(ip, out int ihl, out int total) || ip[9] != protocol || !ip.Slice(16, 4).SequenceEqual(dst)) continue;
            result.Add(ip[ihl..total].ToArray());
        }
        return result;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or 5 s pass.</summary>
    public static bool Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }
        return condition();
    }
}

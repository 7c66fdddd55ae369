using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Packets;

/// <summary>
/// Lowers the MSS option (RFC 9293 §3.7.1, kind 2 length 4) of a TCP SYN crossing the tunnel so
/// segments fit the tunnel MTU after ESP overhead, patching the checksum incrementally (RFC 1624).
/// </summary>
internal static class TcpMssClamp
{
    /// <summary>MSS that fits <paramref name="mtu"/>: MTU minus the IP and TCP fixed headers.</summary>
    public static int MssFor(int mtu, int ipVersion) => mtu - (ipVersion == 4 ? 20 : 40) - 20;

    /// <summary>Clamps the MSS of a SYN to at most <paramref name="maxMss"/>; true when the packet changed.</summary>
    public static bool TryClamp(Span<byte> packet, int maxMss)
    {
        if (!IpView.TryParse(packet, out var ip) || ip.Protocol != IpProtocol.Tcp || ip.IsFragment) return false;
        var tcp = packet[ip.HeaderLength..ip.TotalLength];
        if (tcp.Length < 20 || (tcp[13] & 0x02) == 0) return false; // not a SYN
        int dataOffset = (tcp[12] >> 4) * 4;
        if (dataOffset < 20 || dataOffset > tcp.Length) return false;
        for (int i = 20; i < dataOffset;)
        {
            byte kind = tcp[i];
            if (kind == 0) break;           // end of option list
            if (kind == 1) { i++; continue; } // no-operation
            if (i + 1 >= dataOffset) break;
            int len = tcp[i + 1];
            if (len < 2 || i + len > dataOffset) break;
            if (kind == 2 && len == 4)
            {
                ushort mss = BinaryPrimitives.ReadUInt16BigEndian(tcp[(i + 2)..]);
                if (mss <= maxMss) return false;
                BinaryPrimitives.WriteUInt16BigEndian(tcp[(i + 2)..], (ushort)maxMss);
                ushort sum = BinaryPrimitives.ReadUInt16BigEndian(tcp[16..]);
                // An odd option offset puts the MSS across 16-bit word boundaries; recompute then.
                if ((i & 1) == 0)
                    BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Update(sum, mss, (ushort)maxMss));
                else
                    TcpSegmenter.WriteTcpChecksum(packet[..ip.TotalLength], ip.HeaderLength);
                return true;
            }
            i += len;
        }
        return false;
    }
}

using System.Net;
using Appliance.Linux.Packets;
using Appliance.Linux.Policy;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// What the data path does with a packet it did not make, in the order DataPlane does it: the inbound selector check
/// and MSS clamp of a decapsulated packet (DataPlane.Inbound Deliver), and for a LAN packet the ICMP too-big answer
/// and the GSO segmentation (DataPlane.Outbound). The sockets are left out; every offset they would use is checked.
/// </summary>
internal static class InnerPacket
{
    private static readonly Prefix[] Remote = Prefix.From([IPNetwork.Parse("10.1.0.0/16"), IPNetwork.Parse("fd01::/16")]);
    private static readonly Prefix[] Local = Prefix.From([IPNetwork.Parse("10.2.0.0/16"), IPNetwork.Parse("fd02::/16")]);
    private static readonly byte[] LanIpv6 = IPAddress.Parse("fd02::1").GetAddressBytes();

    /// <summary>DataPlane.Deliver without the send: parse, RFC 4301 §5.2 selector check, MSS clamp.</summary>
    public static void Deliver(Span<byte> inner, int mtu)
    {
        if (!IpView.TryParse(inner, out var ip)) return;
        CheckView(ip, inner.Length);
        if (!Prefix.AnyContains(Remote, ip.Source) || !Prefix.AnyContains(Local, ip.Destination)) return;
        TcpMssClamp.TryClamp(inner[..ip.TotalLength], TcpMssClamp.MssFor(mtu, ip.Version));
    }

    /// <summary>DataPlane.HandleLanPacket without the SPD and sockets: checksum completion, GSO split, ICMP too-big.</summary>
    public static void FromLan(Span<byte> frame, int mtu)
    {
        const int ethernet = 14;
        if (frame.Length < VirtioNetHeader.Size + ethernet) return;
        var vnet = VirtioNetHeader.Read(frame);
        Span<byte> packet = frame[(VirtioNetHeader.Size + ethernet)..];
        if (!IpView.TryParse(packet, out var ip)) return;
        CheckView(ip, packet.Length);
        packet = packet[..ip.TotalLength];
        if (packet.Length > mtu && ip.DontFragment)
        {
            Span<byte> icmp = stackalloc byte[IcmpTooBig.MaxLength];
            int length = IcmpTooBig.Write(packet, mtu, icmp, ip.Version == 4 ? default : LanIpv6);
            if (length is < 0 or > IcmpTooBig.MaxLength)
                throw new FuzzFindingException($"ICMP too-big of {length} octets");
        }
        if (vnet.GsoKind == VirtioNetHeader.GsoNone)
        {
            vnet.TryCompleteChecksum(packet, ethernet);
            TcpMssClamp.TryClamp(packet, TcpMssClamp.MssFor(mtu, ip.Version));
            return;
        }
        if (vnet.GsoKind is not (VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6)
            || !TcpSegmenter.TryPlan(packet, vnet.GsoSize, out int headerLength, out int segments))
            return;
        // The data path writes each segment into a TX slot of 64 KiB less headroom: the same bound here.
        byte[] slot = new byte[65536];
        for (int s = 0; s < segments; s++)
        {
            int length = TcpSegmenter.WriteSegment(packet, headerLength, vnet.GsoSize, s, segments, slot);
            if (length <= 0 || length > slot.Length)
                throw new FuzzFindingException($"GSO segment {s}/{segments} of {length} octets");
        }
    }

    private static void CheckView(in IpView ip, int available)
    {
        if (ip.TotalLength > available || ip.HeaderLength > ip.TotalLength)
            throw new FuzzFindingException($"IpView total {ip.TotalLength}, header {ip.HeaderLength} of {available} octets");
    }
}

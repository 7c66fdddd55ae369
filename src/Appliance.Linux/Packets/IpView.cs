using System.Buffers.Binary;
using Appliance.Ipsec.Packets;

namespace Appliance.Linux.Packets;

/// <summary>
/// The fields the data path reads from an inner IP packet, parsed once with bounds checked:
/// version, header length (IPv6: the fixed header only), upper protocol, addresses, DF.
/// </summary>
internal readonly ref struct IpView
{
    public readonly int Version;
    public readonly int HeaderLength;
    public readonly int TotalLength;
    public readonly byte Protocol;
    public readonly ReadOnlySpan<byte> Source;
    public readonly ReadOnlySpan<byte> Destination;
    public readonly bool DontFragment;
    public readonly bool IsFragment;

    private IpView(int version, int headerLength, int totalLength, byte protocol, ReadOnlySpan<byte> src,
        ReadOnlySpan<byte> dst, bool df, bool fragment)
    {
        Version = version; HeaderLength = headerLength; TotalLength = totalLength; Protocol = protocol;
        Source = src; Destination = dst; DontFragment = df; IsFragment = fragment;
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out IpView view)
    {
        view = default;
        if (packet.IsEmpty) return false;
        if (packet[0] >> 4 == 4)
        {
            if (!IPv4Header.TryParse(packet, out int hl, out int total)) return false;
            ushort frag = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.FlagsFragmentOffset..]);
            view = new IpView(4, hl, total, packet[IPv4Header.ProtocolOffset], packet.Slice(12, 4), packet.Slice(16, 4),
                (frag & 0x4000) != 0, (frag & 0x3FFF) != 0);
            return true;
        }
        if (packet[0] >> 4 == 6)
        {
            if (!IPv6Header.TryParse(packet, out int total)) return false;
            byte next = packet[IPv6Header.NextHeaderOffset];
            // IPv6 routers never fragment: every IPv6 packet is "DF" (RFC 8200 §5).
            view = new IpView(6, IPv6Header.Length, total, next, packet.Slice(8, 16), packet.Slice(24, 16), true,
                next == IpProtocol.Fragment);
            return true;
        }
        return false;
    }
}

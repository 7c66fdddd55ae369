using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

internal static class TestPackets
{
    public static readonly byte[] V4Source = [192, 0, 2, 1];
    public static readonly byte[] V4Destination = [198, 51, 100, 7];
    public static readonly byte[] V6Source = Hex.Parse("20010db8000000000000000000000001");
    public static readonly byte[] V6Destination = Hex.Parse("20010db8000000010000000000000002");

    /// <summary>A valid IPv4 or IPv6 packet with <paramref name="payloadLength"/> random payload bytes.</summary>
    public static byte[] Make(bool ipv6, int payloadLength, Random rng, byte protocol = IpProtocol.Udp)
    {
        int headerLength = ipv6 ? IPv6Header.Length : IPv4Header.MinLength;
        byte[] packet = new byte[headerLength + payloadLength];
        if (ipv6)
            IPv6Header.Write(packet, V6Source, V6Destination, protocol, payloadLength);
        else
            IPv4Header.Write(packet, V4Source, V4Destination, protocol, packet.Length, identification: (ushort)rng.Next(65536));
        rng.NextBytes(packet.AsSpan(headerLength));
        return packet;
    }

    /// <summary>Copies <paramref name="packet"/> into a fresh buffer with 128 bytes of head- and tailroom.</summary>
    public static byte[] WithRoom(byte[] packet, out int offset)
    {
        offset = 128;
        byte[] buffer = new byte[packet.Length + 256];
        packet.CopyTo(buffer, offset);
        return buffer;
    }
}

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// Inner IPv4/IPv6/ICMP/TCP handling of the data path without crypto in the way. Input: [path][mtu] then the bytes.
/// Path even: a decapsulated inner packet (selector check, MSS clamp). Odd: a LAN frame (virtio-net header, Ethernet,
/// IP: checksum completion, GSO segmentation, ICMP too-big). The MTU is 576 + 4 * mtu byte.
/// </summary>
public sealed class InboundPacketHarness : IHarness
{
    public string Name => "ip-packets";
    public string Description => "data path IPv4/IPv6/ICMP/TCP: selector check, MSS clamp, ICMP too-big, GSO split";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        int mtu = 576 + 4 * input[1];
        byte[] packet = input[2..].ToArray();
        if ((input[0] & 1) == 0) InnerPacket.Deliver(packet, mtu);
        else InnerPacket.FromLan(packet, mtu);
    }

    public IEnumerable<byte[]> Seeds()
    {
        byte[] v4Syn = SamplePackets.TcpSynV4();
        byte[] v6Syn = SamplePackets.TcpSynV6();
        yield return [0, 200, .. v4Syn];
        yield return [0, 200, .. v6Syn];
        yield return [1, 0, .. SamplePackets.LanFrame(SamplePackets.TcpDataV4(3000), gso: true)];
        yield return [1, 0, .. SamplePackets.LanFrame(SamplePackets.TcpDataV4(1400), gso: false)];
        yield return [1, 10, .. SamplePackets.LanFrame(SamplePackets.IcmpEchoV4(1400), gso: false)];
    }
}

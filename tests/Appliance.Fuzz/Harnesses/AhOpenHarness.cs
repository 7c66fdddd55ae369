using Appliance.Ipsec;
using Appliance.Ipsec.Ah;
using Appliance.Ipsec.Crypto;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// AH open (RFC 4302) with fixed keys: the outer IPv4/IPv6 header parse, the mutable-field zeroing for the ICV, the
/// AH header bounds. Input: [integrity][mode] then an IP packet. Mode bits 0-1: 0 raw tunnel, 1 sealed tunnel (the
/// harness wraps the packet), 2 raw transport, 3 sealed transport; bit 3 = ESN. Opened tunnel packets go on through
/// the data path's selector check and MSS clamp.
/// </summary>
public sealed class AhOpenHarness : IHarness
{
    private const uint Spi = 0x0a0b0c0e;
    private const int Headroom = 128;
    private static readonly IntegrityAlgorithm[] Algorithms = Enum.GetValues<IntegrityAlgorithm>();
    private static readonly byte[] Outer4Source = [192, 0, 2, 1], Outer4Destination = [198, 51, 100, 2];
    public string Name => "ah-open";
    public string Description => "AH open (tunnel/transport, IPv4/IPv6 outer) + inner packet selector check and MSS clamp";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        IntegrityAlgorithm integrity = Algorithms[input[0] % Algorithms.Length];
        int mode = input[1] & 3;
        bool esn = (input[1] & 8) != 0;
        bool transport = mode >= 2;
        using AhSa inbound = Create(integrity, SaDirection.Inbound, transport, esn);
        ReadOnlySpan<byte> body = input[2..];
        byte[] buffer = new byte[Headroom + body.Length + 64];
        body.CopyTo(buffer.AsSpan(Headroom));
        int offset = Headroom, length = body.Length;
        if (mode is 1 or 3)
        {
            using AhSa outbound = Create(integrity, SaDirection.Outbound, transport, esn);
            if (outbound.Seal(buffer, Headroom, body.Length, out offset, out length) != DropReason.None) return;
            EspOpenHarness.Within(offset, length, buffer.Length, "AH seal");
        }
        if (inbound.Open(buffer, offset, length, out AhOpenResult result) != DropReason.None) return;
        EspOpenHarness.Within(result.Offset, result.Length, buffer.Length, "AH open");
        if (!transport) InnerPacket.Deliver(buffer.AsSpan(result.Offset, result.Length), 1400);
    }

    private static AhSa Create(IntegrityAlgorithm integrity, SaDirection direction, bool transport, bool esn) => AhSa.Create(new AhSaParameters
    {
        Spi = Spi, Direction = direction, Mode = transport ? IpsecMode.Transport : IpsecMode.Tunnel, Integrity = integrity,
        IntegrityKey = EspOpenHarness.Key(Hmac.KeyLength(integrity), 0x33), ExtendedSequenceNumbers = esn, ReplayWindowSize = 64,
        TunnelSource = transport ? null : Outer4Source, TunnelDestination = transport ? null : Outer4Destination,
    });

    public IEnumerable<byte[]> Seeds()
    {
        yield return [0, 1, .. SamplePackets.TcpSynV4()];
        yield return [1, 1 | 8, .. SamplePackets.TcpSynV6()];
        yield return [2, 3, .. SamplePackets.TcpSynV4()];
        yield return [0, 3, .. SamplePackets.TcpSynV6()];
        // A raw tunnel-mode AH packet as it arrives (sealed once here).
        byte[] inner = SamplePackets.TcpSynV4();
        using AhSa outbound = Create(IntegrityAlgorithm.HmacSha256_128, SaDirection.Outbound, false, false);
        var buffer = new byte[Headroom + inner.Length + 64];
        inner.CopyTo(buffer, Headroom);
        outbound.Seal(buffer, Headroom, inner.Length, out int offset, out int length);
        yield return [0, 0, .. buffer[offset..(offset + length)]];
    }
}

using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// ESP open (RFC 4303) with fixed keys. Input: [suite][mode] then the body; a fresh inbound SA per input (so the replay
/// window starts empty), its outbound twin for sealing. Mode bits: 0-1 = 0 raw tunnel ESP from the SPI on, 1 body
/// sealed in tunnel mode (next header from bit 2: IPv4 or IPv6), 2 raw transport-mode IP packet, 3 an IP packet the
/// harness seals in transport mode; bit 3 = extended sequence numbers. Opened inner packets go on through the data
/// path's selector check and MSS clamp.
/// </summary>
public sealed class EspOpenHarness : IHarness
{
    private const uint Spi = 0x0a0b0c0d;
    private static readonly EspSuite[] Suites = Enum.GetValues<EspSuite>();
    public string Name => "esp-open";
    public string Description => "ESP open (tunnel/transport, all suites) + inner packet selector check and MSS clamp";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        EspSuite suite = Suites[input[0] % Suites.Length];
        int mode = input[1] & 3;
        bool esn = (input[1] & 8) != 0;
        bool transport = mode >= 2;
        using EspSa inbound = Create(suite, SaDirection.Inbound, transport, esn);
        ReadOnlySpan<byte> body = input[2..];
        byte[] buffer;
        int offset, length;
        if (mode is 0 or 2)
        {
            buffer = body.ToArray();
            offset = 0;
            length = buffer.Length;
        }
        else
        {
            using EspSa outbound = Create(suite, SaDirection.Outbound, transport, esn);
            buffer = new byte[64 + body.Length + outbound.HeaderLength + outbound.MaxTrailerLength];
            body.CopyTo(buffer.AsSpan(64 + outbound.HeaderLength));
            DropReason sealedAs = transport
                ? EspTransport.Seal(outbound, buffer, 64 + outbound.HeaderLength, body.Length, out offset, out length)
                : outbound.Seal(buffer, 64 + outbound.HeaderLength, body.Length, (input[1] & 4) != 0 ? (byte)41 : (byte)4, out offset, out length);
            if (sealedAs != DropReason.None) return; // the sealer refused it (not an IP packet): nothing to open
        }
        Within(offset, length, buffer.Length, "sealed");
        if (transport)
        {
            if (EspTransport.Open(inbound, buffer, offset, length, out int start, out int restored) != DropReason.None) return;
            Within(start, restored, buffer.Length, "transport open");
            InnerPacket.Deliver(buffer.AsSpan(start, restored), 1400);
            return;
        }
        Span<byte> esp = buffer.AsSpan(offset, length);
        if (inbound.Open(esp, out EspOpenResult result) != DropReason.None) return;
        Within(result.PayloadOffset, result.PayloadLength, esp.Length, "open");
        InnerPacket.Deliver(esp.Slice(result.PayloadOffset, result.PayloadLength), 1400);
    }

    internal static void Within(int offset, int length, int available, string what)
    {
        if (offset < 0 || length < 0 || offset + length > available)
            throw new FuzzFindingException($"{what}: [{offset}, +{length}) outside {available} octets");
    }

    private static EspSa Create(EspSuite suite, SaDirection direction, bool transport, bool esn) => EspSa.Create(new EspSaParameters
    {
        Spi = Spi, Direction = direction, Mode = transport ? IpsecMode.Transport : IpsecMode.Tunnel, Suite = suite,
        EncryptionKey = Key(EspSuiteInfo.EncryptionKeyMaterialLength(suite), 0x11),
        IntegrityKey = Key(EspSuiteInfo.IntegrityKeyLength(suite), 0x22),
        ExtendedSequenceNumbers = esn, ReplayWindowSize = 64, Random = FixedFill,
    });

    /// <summary>IVs from a fixed pattern: the fuzzer's runs must repeat exactly (the keys are not secret here).</summary>
    private static void FixedFill(Span<byte> buffer) => buffer.Fill(0x5a);

    internal static byte[] Key(int length, byte value)
    {
        var key = new byte[length];
        for (int i = 0; i < key.Length; i++) key[i] = (byte)(value + i);
        return key;
    }

    public IEnumerable<byte[]> Seeds()
    {
        // Sealed tunnel packets for each suite family, a sealed transport packet, and a raw open of one of them.
        foreach (EspSuite suite in new[] { EspSuite.AesGcm256, EspSuite.ChaCha20Poly1305, EspSuite.AesCbc128HmacSha256 })
            yield return [(byte)Array.IndexOf(Suites, suite), 1, .. SamplePackets.TcpSynV4()];
        yield return [(byte)Array.IndexOf(Suites, EspSuite.AesGcm128), 1 | 4 | 8, .. SamplePackets.TcpSynV6()];
        yield return [(byte)Array.IndexOf(Suites, EspSuite.AesGcm256), 3, .. SamplePackets.TcpSynV4()];
        yield return [(byte)Array.IndexOf(Suites, EspSuite.AesGcm256), 0, .. SealedTunnel(EspSuite.AesGcm256, SamplePackets.TcpSynV4())];
    }

    private static byte[] SealedTunnel(EspSuite suite, byte[] inner)
    {
        using EspSa outbound = Create(suite, SaDirection.Outbound, false, false);
        var buffer = new byte[inner.Length + outbound.HeaderLength + outbound.MaxTrailerLength];
        inner.CopyTo(buffer, outbound.HeaderLength);
        outbound.Seal(buffer, outbound.HeaderLength, inner.Length, 4, out int offset, out int length);
        return buffer[offset..(offset + length)];
    }
}

using System.Text.Json.Nodes;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

/// <summary>
/// ESP interoperability with scapy as the independent implementation (TESTING.md §4): scapy decrypts
/// what we seal, and we open what scapy seals. Only the recovered inner packet is compared: scapy
/// 2.5's returned padding is wrong, and its HMAC leaves ESN out of the ICV, so CBC suites run without ESN.
/// </summary>
public class EspScapyTests
{
    private static readonly byte[] OuterSource = [203, 0, 113, 10];
    private static readonly byte[] OuterDestination = [203, 0, 113, 20];

    public static TheoryData<EspSuite, IpsecMode, bool> Cases()
    {
        var data = new TheoryData<EspSuite, IpsecMode, bool>();
        foreach (EspSuite suite in TestSa.AllSuites)
        {
            data.Add(suite, IpsecMode.Tunnel, false);
            if (EspSuiteInfo.IsAead(suite))
                data.Add(suite, IpsecMode.Tunnel, true);
        }
        data.Add(EspSuite.AesGcm256, IpsecMode.Transport, false);
        data.Add(EspSuite.AesCbc128HmacSha256, IpsecMode.Transport, false);
        return data;
    }

    private static (EspSa Sa, byte[] Enc, byte[] Integ) Make(EspSuite suite, IpsecMode mode, bool esn, SaDirection direction, ulong initial)
    {
        var rng = new Random(4106);
        byte[] enc = new byte[EspSuiteInfo.EncryptionKeyMaterialLength(suite)];
        byte[] integ = new byte[EspSuiteInfo.IntegrityKeyLength(suite)];
        rng.NextBytes(enc);
        rng.NextBytes(integ);
        EspSa sa = EspSa.Create(new EspSaParameters
        {
            Spi = 0xABCD0001, Direction = direction, Mode = mode, Suite = suite, EncryptionKey = enc, IntegrityKey = integ,
            ExtendedSequenceNumbers = esn, InitialSequenceNumber = initial, GlobalCounters = new IpsecCounters(),
        });
        return (sa, enc, integ);
    }

    private static JsonObject Request(string op, EspSuite suite, IpsecMode mode, bool esn, ulong seq, byte[] enc, byte[] integ, byte[] packet)
    {
        var request = new JsonObject
        {
            ["proto"] = "ESP", ["op"] = op, ["spi"] = 0xABCD0001, ["seq"] = (uint)seq, ["packet"] = Hex.Of(packet),
            ["crypt_algo"] = suite switch
            {
                EspSuite.AesGcm128 or EspSuite.AesGcm256 => "AES-GCM",
                EspSuite.ChaCha20Poly1305 => "CHACHA20-POLY1305",
                _ => "AES-CBC",
            },
            ["crypt_key"] = Hex.Of(enc),
            ["esn"] = esn, ["esn_high"] = (uint)(seq >> 32),
        };
        if (EspSuiteInfo.Integrity(suite) is { } integrity)
        {
            request["auth_algo"] = integrity switch
            {
                IntegrityAlgorithm.HmacSha256_128 => "SHA2-256-128",
                IntegrityAlgorithm.HmacSha384_192 => "SHA2-384-192",
                IntegrityAlgorithm.HmacSha1_96 => "HMAC-SHA1-96",
                _ => "SHA2-512-256",
            };
            request["auth_key"] = Hex.Of(integ);
        }
        if (mode == IpsecMode.Tunnel)
        {
            request["tunnel_src"] = "203.0.113.10";
            request["tunnel_dst"] = "203.0.113.20";
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scapy_decrypts_what_we_seal(EspSuite suite, IpsecMode mode, bool esn)
    {
        Assert.True(Scapy.Available, "python3-scapy missing: run tools/install-deps.sh");
        ulong initial = esn ? 0x7_0000_0010UL : 0x10;
        (EspSa sa, byte[] enc, byte[] integ) = Make(suite, mode, esn, SaDirection.Outbound, initial);
        using EspSa outbound = sa;
        byte[] packet = TestPackets.Make(false, 333, new Random((int)suite), IpProtocol.Udp);
        byte[] buffer = TestPackets.WithRoom(packet, out int offset);

        byte[] wire;
        if (mode == IpsecMode.Tunnel)
        {
            Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, packet.Length, out int espOffset, out int espLength));
            int outer = espOffset - IPv4Header.MinLength;
            IPv4Header.Write(buffer.AsSpan(outer), OuterSource, OuterDestination, IpProtocol.Esp, IPv4Header.MinLength + espLength, 7);
            wire = buffer.AsSpan(outer, IPv4Header.MinLength + espLength).ToArray();
        }
        else
        {
            Assert.Equal(DropReason.None, EspTransport.Seal(outbound, buffer, offset, packet.Length, out int o, out int l));
            wire = buffer.AsSpan(o, l).ToArray();
        }

        byte[] decrypted = Scapy.Run(Request("decrypt", suite, mode, esn, initial + 1, enc, integ, wire));
        Assert.Equal(Hex.Of(packet), Hex.Of(decrypted));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void We_open_what_scapy_seals(EspSuite suite, IpsecMode mode, bool esn)
    {
        Assert.True(Scapy.Available, "python3-scapy missing: run tools/install-deps.sh");
        ulong seq = esn ? 0x7_0000_0011UL : 0x11;
        (EspSa sa, byte[] enc, byte[] integ) = Make(suite, mode, esn, SaDirection.Inbound, 0);
        using EspSa inbound = sa;
        if (esn)
            inbound.ReplayWindow!.Update(seq - 1); // the receiver has seen the SA's earlier traffic
        byte[] packet = TestPackets.Make(false, 222, new Random(10 + (int)suite), IpProtocol.Tcp);

        byte[] wire = Scapy.Run(Request("encrypt", suite, mode, esn, seq, enc, integ, packet));
        Assert.True(IPv4Header.TryParse(wire, out int headerLength, out int total));
        Assert.Equal(IpProtocol.Esp, wire[IPv4Header.ProtocolOffset]);

        if (mode == IpsecMode.Tunnel)
        {
            Span<byte> esp = wire.AsSpan(headerLength, total - headerLength);
            Assert.Equal(DropReason.None, inbound.Open(esp, out EspOpenResult opened));
            Assert.Equal(seq, opened.SequenceNumber);
            Assert.Equal(Hex.Of(packet), Hex.Of(esp.Slice(opened.PayloadOffset, opened.PayloadLength)));
        }
        else
        {
            byte[] buffer = TestPackets.WithRoom(wire, out int offset);
            Assert.Equal(DropReason.None, EspTransport.Open(inbound, buffer, offset, wire.Length, out int o, out int l));
            // scapy copies TTL/ID from the original header; length, protocol and checksum are restored by us.
            Assert.Equal(Hex.Of(packet), Hex.Of(buffer.AsSpan(o, l)));
        }
    }
}

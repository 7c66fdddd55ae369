using System.Text.Json.Nodes;
using Appliance.Ipsec.Ah;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Tests;

/// <summary>
/// AH ICVs checked against scapy computing the same packet with the same key (TESTING.md §4), and
/// the drop paths. scapy's known AH slip (tunnel-mode inner IPv4 not parsed on decrypt) does not
/// matter here: scapy only encrypts.
/// </summary>
public class AhTests
{
    private static byte[] Key(IntegrityAlgorithm algorithm, int seed)
    {
        byte[] key = new byte[Hmac.KeyLength(algorithm)];
        new Random(seed).NextBytes(key);
        return key;
    }

    private static AhSa Sa(SaDirection direction, IpsecMode mode, IntegrityAlgorithm algorithm, byte[] key, bool esn = false,
        ulong initial = 0, byte[]? tunnelSource = null, byte[]? tunnelDestination = null) => AhSa.Create(new AhSaParameters
    {
        Spi = 0xC0FFEE,
        Direction = direction,
        Mode = mode,
        Integrity = algorithm,
        IntegrityKey = key,
        ExtendedSequenceNumbers = esn,
        InitialSequenceNumber = initial,
        TunnelSource = tunnelSource,
        TunnelDestination = tunnelDestination,
        GlobalCounters = new IpsecCounters(),
    });

    private static string ScapyName(IntegrityAlgorithm a) => a switch
    {
        IntegrityAlgorithm.HmacSha256_128 => "SHA2-256-128",
        IntegrityAlgorithm.HmacSha384_192 => "SHA2-384-192",
        _ => "SHA2-512-256",
    };

    /// <summary>An IPv4 UDP packet with Router Alert (immutable) and Record Route (mutable) options.</summary>
    private static byte[] IPv4WithOptions()
    {
        byte[] options = Hex.Parse("94040000" + "0707040a000001" + "00"); // RA, RR with one slot, EOL
        byte[] payload = Hex.Parse("1234567800100000" + "0102030405060708");
        byte[] packet = new byte[20 + options.Length + payload.Length];
        IPv4Header.Write(packet, TestPackets.V4Source, TestPackets.V4Destination, IpProtocol.Udp, packet.Length, 0x4242, ttl: 17, tos: 0xB8, dontFragment: true);
        packet[0] = (byte)(0x40 | (20 + options.Length) / 4);
        options.CopyTo(packet, 20);
        payload.CopyTo(packet, 20 + options.Length);
        InternetChecksum.WriteIPv4HeaderChecksum(packet);
        return packet;
    }

    public static TheoryData<string, IpsecMode, IntegrityAlgorithm, bool> ScapyCases() => new()
    {
        { "v4", IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, false },
        { "v4-options", IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, false },
        { "v4-options", IpsecMode.Transport, IntegrityAlgorithm.HmacSha512_256, false },
        { "v6", IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, false },
        { "v6", IpsecMode.Transport, IntegrityAlgorithm.HmacSha512_256, false },
        { "v4", IpsecMode.Tunnel, IntegrityAlgorithm.HmacSha256_128, false },
        { "v6", IpsecMode.Tunnel, IntegrityAlgorithm.HmacSha512_256, false },
        { "v4", IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, true },
        { "v6", IpsecMode.Tunnel, IntegrityAlgorithm.HmacSha512_256, true },
    };

    [Theory]
    [MemberData(nameof(ScapyCases))]
    public void Sealed_packet_matches_scapy_byte_for_byte_and_opens(string kind, IpsecMode mode, IntegrityAlgorithm algorithm, bool esn)
    {
        Assert.True(Scapy.Available, "python3-scapy missing: run tools/install-deps.sh");
        byte[] key = Key(algorithm, 51);
        byte[] packet = kind switch
        {
            "v4-options" => IPv4WithOptions(),
            "v6" => TestPackets.Make(true, 77, new Random(6), IpProtocol.Udp),
            _ => TestPackets.Make(false, 77, new Random(4), IpProtocol.Udp),
        };
        bool outerV6 = mode == IpsecMode.Tunnel && kind == "v6";
        byte[]? src = mode == IpsecMode.Tunnel ? (outerV6 ? TestPackets.V6Source : [203, 0, 113, 1]) : null;
        byte[]? dst = mode == IpsecMode.Tunnel ? (outerV6 ? TestPackets.V6Destination : [203, 0, 113, 2]) : null;
        ulong initial = esn ? 0x1_0000_0004UL : 4;
        using AhSa outbound = Sa(SaDirection.Outbound, mode, algorithm, key, esn, initial, src, dst);

        byte[] buffer = TestPackets.WithRoom(packet, out int offset);
        Assert.Equal(DropReason.None, outbound.Seal(buffer, offset, packet.Length, out int o, out int l));
        byte[] ours = buffer.AsSpan(o, l).ToArray();
        ulong seq = initial + 1;

        var request = new JsonObject
        {
            ["proto"] = "AH", ["op"] = "encrypt", ["spi"] = 0xC0FFEE, ["seq"] = (uint)seq,
            ["auth_algo"] = ScapyName(algorithm), ["auth_key"] = Hex.Of(key), ["packet"] = Hex.Of(packet),
            ["esn"] = esn, ["esn_high"] = (uint)(seq >> 32), ["outer_id"] = (ushort)seq,
        };
        if (src is not null)
        {
            request["tunnel_src"] = new System.Net.IPAddress(src).ToString();
            request["tunnel_dst"] = new System.Net.IPAddress(dst!).ToString();
        }
        byte[] theirs = Scapy.Run(request);
        Assert.Equal(Hex.Of(theirs), Hex.Of(ours));

        using AhSa inbound = Sa(SaDirection.Inbound, mode, algorithm, key, esn);
        if (esn)
            inbound.ReplayWindowForTests.Update(seq - 1); // the receiver has seen the SA's earlier traffic
        byte[] received = TestPackets.WithRoom(theirs, out int ro);
        Assert.Equal(DropReason.None, inbound.Open(received, ro, theirs.Length, out AhOpenResult opened));
        Assert.Equal(seq, opened.SequenceNumber);
        Assert.Equal(Hex.Of(packet), Hex.Of(received.AsSpan(opened.Offset, opened.Length)));
    }

    [Fact]
    public void Mutable_fields_changed_in_transit_still_verify_but_immutable_ones_do_not()
    {
        byte[] key = Key(IntegrityAlgorithm.HmacSha256_128, 9);
        using AhSa outbound = Sa(SaDirection.Outbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, key);
        using AhSa inbound = Sa(SaDirection.Inbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, key);
        byte[] packet = IPv4WithOptions();
        byte[] buffer = TestPackets.WithRoom(packet, out int offset);
        outbound.Seal(buffer, offset, packet.Length, out int o, out int l);
        byte[] sealedPacket = buffer.AsSpan(o, l).ToArray();

        byte[] forged = (byte[])sealedPacket.Clone();
        forged[20 + 2] = 1;                            // Router Alert value (immutable option)
        InternetChecksum.WriteIPv4HeaderChecksum(forged);
        Assert.Equal(DropReason.AuthenticationFailed, inbound.Open(forged, 0, forged.Length, out _));

        byte[] redirected = (byte[])sealedPacket.Clone();
        redirected[IPv4Header.DestinationOffset + 3] ^= 1; // destination address (immutable)
        InternetChecksum.WriteIPv4HeaderChecksum(redirected);
        Assert.Equal(DropReason.AuthenticationFailed, inbound.Open(redirected, 0, redirected.Length, out _));

        byte[] routed = (byte[])sealedPacket.Clone();
        routed[IPv4Header.TtlOffset]--;                // TTL (mutable)
        routed[IPv4Header.TosOffset] = 0x01;           // ECN (mutable)
        routed[20 + 4 + 2] = 8;                        // Record Route pointer (mutable option)
        InternetChecksum.WriteIPv4HeaderChecksum(routed);
        Assert.Equal(DropReason.None, inbound.Open(routed, 0, routed.Length, out _));
    }

    [Fact]
    public void Replays_truncation_fragments_and_extension_headers_are_dropped_with_reasons()
    {
        byte[] key = Key(IntegrityAlgorithm.HmacSha512_256, 10);
        using AhSa outbound = Sa(SaDirection.Outbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha512_256, key);
        using AhSa inbound = Sa(SaDirection.Inbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha512_256, key);
        byte[] packet = TestPackets.Make(false, 40, new Random(2));
        byte[] buffer = TestPackets.WithRoom(packet, out int offset);
        outbound.Seal(buffer, offset, packet.Length, out int o, out int l);
        byte[] sealedPacket = buffer.AsSpan(o, l).ToArray();

        Assert.Equal(DropReason.None, inbound.Open(sealedPacket.ToArray(), 0, l, out _));
        Assert.Equal(DropReason.Replay, inbound.Open(sealedPacket.ToArray(), 0, l, out _));

        byte[] shortPacket = sealedPacket[..30];
        shortPacket[3] = 30;
        InternetChecksum.WriteIPv4HeaderChecksum(shortPacket);
        Assert.Equal(DropReason.Truncated, inbound.Open(shortPacket, 0, 30, out _));

        byte[] fragment = sealedPacket.ToArray();
        fragment[IPv4Header.FlagsFragmentOffset] |= 0x20; // More Fragments
        Assert.Equal(DropReason.UnsupportedHeader, inbound.Open(fragment, 0, l, out _));

        byte[] v6 = TestPackets.Make(true, 40, new Random(3), IpProtocol.HopByHop);
        byte[] v6Buffer = TestPackets.WithRoom(v6, out int v6Offset);
        Assert.Equal(DropReason.UnsupportedHeader, outbound.Seal(v6Buffer, v6Offset, v6.Length, out _, out _));

        Assert.Equal(1, inbound.Counters.Drops(DropReason.Replay));
        Assert.Equal(1, inbound.Counters.Drops(DropReason.Truncated));
        Assert.Equal(1, inbound.Counters.Drops(DropReason.UnsupportedHeader));
    }

    [Fact]
    public void Ah_lengths_follow_rfc4302_alignment()
    {
        // RFC 4302 §2.2/§3.3.3.2.1: 32-bit alignment for IPv4, 64-bit for IPv6, padding inside the ICV field.
        using AhSa sha256 = Sa(SaDirection.Inbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha256_128, Key(IntegrityAlgorithm.HmacSha256_128, 1));
        using AhSa sha512 = Sa(SaDirection.Inbound, IpsecMode.Transport, IntegrityAlgorithm.HmacSha512_256, Key(IntegrityAlgorithm.HmacSha512_256, 1));
        Assert.Equal(28, sha256.AhLength(ipv6: false));
        Assert.Equal(32, sha256.AhLength(ipv6: true));
        Assert.Equal(44, sha512.AhLength(ipv6: false));
        Assert.Equal(48, sha512.AhLength(ipv6: true));
    }
}

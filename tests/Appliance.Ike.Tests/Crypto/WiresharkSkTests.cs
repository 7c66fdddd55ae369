using System.Buffers.Binary;
using System.Diagnostics;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

/// <summary>
/// No published vector exists for an AES-CBC + HMAC-SHA2 or AES-GCM SK payload, so an independent
/// implementation checks ours (TESTING.md §4): tshark decrypts messages we protect, given the keys in its
/// ikev2_decryption_table UAT, and must verify the ICV and find the inner payloads. tshark 4.0 cannot decrypt
/// ChaCha20-Poly1305; that suite is pinned by RFC 7634 Appendix B instead. Needs tshark (tools/install-deps.sh).
/// </summary>
public class WiresharkSkTests
{
    private const string Tshark = "/usr/bin/tshark";

    public static TheoryData<EncryptionAlgorithm, int, IntegrityAlgorithm, string, string> Suites => new()
    {
        { EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128, "AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]" },
        { EncryptionAlgorithm.AesCbc, 192, IntegrityAlgorithm.HmacSha384_192, "AES-CBC-192 [RFC3602]", "HMAC_SHA2_384_192 [RFC4868]" },
        { EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha512_256, "AES-CBC-256 [RFC3602]", "HMAC_SHA2_512_256 [RFC4868]" },
        { EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None, "AES-GCM-128 with 16 octet ICV [RFC5282]", "NONE [RFC4306]" },
        { EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, "AES-GCM-256 with 16 octet ICV [RFC5282]", "NONE [RFC4306]" },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Tshark_DecryptsAndVerifies_OurSkPayloads(EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ, string wsEnc, string wsInteg)
    {
        Assert.True(File.Exists(Tshark), $"{Tshark} missing: run tools/install-deps.sh (tshark)");
        const ulong spiI = 0x0102030405060708, spiR = 0x1112131415161718;
        byte[] ei = Enumerable.Range(1, TransformRegistry.EncryptionKeyBytes(enc, bits)).Select(i => (byte)(i * 3)).ToArray();
        byte[] er = ei.Select(b => (byte)~b).ToArray();
        byte[] ai = Enumerable.Range(7, TransformRegistry.IntegrityKeyBytes(integ)).Select(i => (byte)i).ToArray();
        byte[] ar = ai.Select(b => (byte)(b ^ 0x55)).ToArray();

        // Inner chains of 12, 15 (block-aligned with the pad length byte), 27 and 8 bytes.
        byte[] notifyAlone = Hex.Parse("0000000c 00004001 0000000a");
        byte[] notifyThenVendor = Hex.Parse("2b00000c 00004001 0000000a");
        byte[] vendor = [0, 0, 0, 15, .. "applianceID"u8];
        byte[] deleteIke = Hex.Parse("00000008 01000000");
        var messages = new List<byte[]>
        {
            Message(spiI, spiR, initiator: true, 1, notifyAlone, 41, ei, ai, enc, bits, integ),
            Message(spiI, spiR, initiator: false, 1, vendor, 43, er, ar, enc, bits, integ),
            Message(spiI, spiR, initiator: true, 2, [.. notifyThenVendor, .. vendor], 41, ei, ai, enc, bits, integ),
            Message(spiI, spiR, initiator: false, 2, deleteIke, 42, er, ar, enc, bits, integ),
        };
        string dir = Directory.CreateTempSubdirectory("ike-ws-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "sk.pcap");
            File.WriteAllBytes(pcap, Pcap(messages));
            string uat = string.Join(',', spiI.ToString("x16"), spiR.ToString("x16"), Hex.Of(ei), Hex.Of(er), $"\"{wsEnc}\"",
                Hex.Of(ai), Hex.Of(ar), $"\"{wsInteg}\"");
            string output = Run(Tshark, "-r", pcap, "-o", "uat:ikev2_decryption_table:" + uat, "-V");

            Assert.Equal(messages.Count, Count(output, "Decrypted Data"));
            Assert.Equal(2, Count(output, "Notify Message Type: SET_WINDOW_SIZE (16385)"));
            Assert.Equal(2, Count(output, "Vendor ID: 6170706c69616e63654944"));
            Assert.Equal(1, Count(output, "Payload: Delete (42)"));
            Assert.DoesNotContain("Malformed", output);
            Assert.DoesNotContain("incorrect", output);
            if (integ != IntegrityAlgorithm.None)
                Assert.Equal(messages.Count, Count(output, "[correct]"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Message(ulong spiI, ulong spiR, bool initiator, uint messageId, byte[] inner, byte firstInner,
        byte[] encKey, byte[] integKey, EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        using var sk = SkProtection.Create(enc, bits, integ, encKey, integKey);
        int bodyLength = sk.GetProtectedLength(inner.Length);
        var message = new byte[28 + 4 + bodyLength];
        BinaryPrimitives.WriteUInt64BigEndian(message, spiI);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(8), spiR);
        message[16] = 46; // SK
        message[17] = 0x20;
        message[18] = 37; // INFORMATIONAL
        message[19] = (byte)(initiator ? 0x08 : 0x20);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(20), messageId);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(24), (uint)message.Length);
        message[28] = firstInner;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(30), (ushort)(4 + bodyLength));
        byte[] iv = Enumerable.Range(0, sk.IvSize).Select(i => (byte)(i + messageId * 16)).ToArray();
        sk.Protect(message.AsSpan(0, 32), inner, iv, message.AsSpan(32));
        return message;
    }

    /// <summary>A classic pcap of raw IPv4/UDP 500 datagrams (LINKTYPE_RAW = 101).</summary>
    private static byte[] Pcap(List<byte[]> payloads)
    {
        using var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 101);
        ms.Write(h);
        uint second = 1;
        Span<byte> r = stackalloc byte[16];
        foreach (byte[] p in payloads)
        {
            var packet = new byte[20 + 8 + p.Length];
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            packet[8] = 64;
            packet[9] = 17;
            byte[] a = [127, 0, 0, 1], b = [127, 0, 0, 2];
            bool fromInitiator = (p[19] & 0x08) != 0;
            (fromInitiator ? a : b).CopyTo(packet, 12);
            (fromInitiator ? b : a).CopyTo(packet, 16);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 500);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 500);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + p.Length));
            p.CopyTo(packet, 28);
            r.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(r, second++);
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)packet.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)packet.Length);
            ms.Write(r);
            ms.Write(packet);
        }
        return ms.ToArray();
    }

    private static int Count(string text, string fragment)
    {
        int count = 0;
        for (int i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        // A private HOME keeps the user's Wireshark profile (and its UATs) out of the test.
        psi.Environment["HOME"] = Path.GetTempPath();
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish");
        Assert.True(p.ExitCode == 0, $"tshark failed: {stderr.GetAwaiter().GetResult()}");
        return stdout;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Appliance.Ike.Tests.Interop;

/// <summary>
/// An independent verifier of the wire format (TESTING.md §4): every message of an exchange with charon is
/// captured and handed to tshark, which must decrypt each SK payload with the keys from IkeSaEstablished,
/// find every ICV correct and flag nothing as malformed or worse than a note.
/// </summary>
[Collection("charon")]
public sealed class WiresharkVerificationTests(CharonPeer charon)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Tshark_decrypts_every_message_and_finds_nothing_malformed()
    {
        string dir = Directory.CreateTempSubdirectory("ike-tshark-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "ike.pcap");
            using Process capture = Process.Start(new ProcessStartInfo("ip",
                $"netns exec {charon.EngineNs} tcpdump --immediate-mode -U -n -i ike-v0 -w {pcap} udp port 500 or udp port 4500")
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.Exists(pcap) && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
            Thread.Sleep(300);

            var config = new IkeTunnelConfig("t", IPAddress.Parse(CharonPeer.EngineAddress), IPAddress.Parse(CharonPeer.CharonAddress),
                IkeIdentity.Parse("a.example.com"), IkeIdentity.Parse("b.example.com"), System.Text.Encoding.UTF8.GetBytes(CharonPeer.Psk),
                [TrafficSelector.Parse("10.1.0.0/16")], [TrafficSelector.Parse("10.2.0.0/16")], ["aes128-sha256-modp2048"], ["aes128-sha256"],
                StartAction.None, IpsecMode.Tunnel, ForceUdpEncapsulation: false);
            using (var host = new UdpEngineHost(charon, config))
            {
                host.Engine.Initiate("t");
                Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaEstablished>().Any(), Timeout));
                long received = host.Engine.Counters[IkeCounter.DatagramsReceived];
                host.Engine.CheckLiveness("t");
                Assert.True(host.RunUntil(() => host.Engine.Counters[IkeCounter.DatagramsReceived] > received, Timeout));
                var rekey = Task.Run(() => charon.Swanctl("--rekey --child net"));
                Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaDeleted>().Any() && rekey.IsCompleted, Timeout));
                await rekey;
                host.Engine.Terminate("t");
                Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
                Thread.Sleep(300);
                WriteDecryptionTable(dir, host.Events.OfType<IkeSaEstablished>().Single().Keys);
            }
            // SIGINT lets tcpdump flush and close the file (Process.Kill would be SIGKILL).
            NetworkNamespace.Run("kill", $"-INT {capture.Id}", check: false);
            if (!capture.WaitForExit(5000))
                capture.Kill();

            string Tshark(string args)
            {
                var psi = new ProcessStartInfo("tshark", $"-r {pcap} {args}") { RedirectStandardOutput = true, RedirectStandardError = true };
                psi.Environment["WIRESHARK_CONFIG_DIR"] = dir;
                using Process p = Process.Start(psi)!;
                string o = p.StandardOutput.ReadToEnd();
                string e = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.DoesNotContain("Error loading table", e);
                Assert.True(p.ExitCode == 0, $"tshark {args}: exit {p.ExitCode}: {e}");
                return o;
            }
            string summary = Tshark("");
            int messages = summary.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(messages >= 10, $"{messages} messages captured ({new FileInfo(pcap).Length} bytes): {summary}"); // INIT, AUTH, liveness, rekey, its delete, our delete: each with a reply
            Assert.Equal("", Tshark("-Y \"_ws.malformed || _ws.expert.severity >= warning\"").Trim());
            string detail = Tshark("-V");
            int correct = detail.Split("[correct]").Length - 1;
            Assert.DoesNotContain("[incorrect]", detail);
            Assert.Equal(messages - 2, correct); // every message after IKE_SA_INIT carries a verified ICV
            Assert.Contains("REKEY_SA", detail);
            Assert.Contains("Traffic Selector - Responder", detail);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Wireshark's ikev2_decryption_table UAT: hex fields unquoted, algorithm names quoted (tshark 4.0).</summary>
    private static void WriteDecryptionTable(string dir, IkeSaKeyInfo k)
    {
        Assert.Equal(12, k.EncryptionTransformId);
        Assert.Equal(12, k.IntegrityTransformId);
        static string Hex(byte[] b) => Convert.ToHexStringLower(b);
        string line = string.Join(',',
            k.InitiatorSpi.ToString("x16", CultureInfo.InvariantCulture), k.ResponderSpi.ToString("x16", CultureInfo.InvariantCulture),
            Hex(k.SkEi), Hex(k.SkEr), $"\"AES-CBC-{k.EncryptionKeyBits} [RFC3602]\"", Hex(k.SkAi), Hex(k.SkAr), "\"HMAC_SHA2_256_128 [RFC4868]\"");
        File.WriteAllText(Path.Combine(dir, "ikev2_decryption_table"), line + "\n");
    }
}

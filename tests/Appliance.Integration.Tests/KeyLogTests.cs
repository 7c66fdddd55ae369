using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The KeyLog files the box writes are what Wireshark reads: tshark, an implementation nobody here
/// wrote, decrypts the captured IKE_AUTH exchange and the ESP traffic with them.
/// </summary>
public sealed class KeyLogTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret";

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519", "aes256gcm16")]
    [InlineData("aes128-sha256-modp2048", "aes128-sha256")]
    public void TsharkDecryptsIkeAuthAndEspWithTheKeyLog(string ike, string esp)
    {
        using var topo = new HqTopology();
        string work = Directory.CreateTempSubdirectory("appliance-keylog-").FullName;
        string keyLog = Path.Combine(work, "keys"), capture = Path.Combine(work, "wan.pcap");
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var tcpdump = BackgroundProcess.Tcpdump(topo.Hq, "eth0", capture, "udp");
                using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk, keyLog: keyLog));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            Assert.Equal(0, Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress).ExitCode);
            Thread.Sleep(500);
            tcpdump.Stop();

            string ikeTable = File.ReadAllText(Path.Combine(keyLog, "ikev2_decryption_table"));
            Assert.Single(ikeTable.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("-rw-------", Shell.Check("stat", "-c", "%A", Path.Combine(keyLog, "ikev2_decryption_table")).Trim());
            Assert.Contains("KeyLog is on", box.Log);

            string home = Tshark.HomeWithKeys(work, keyLog, "ikev2_decryption_table", "esp_sa");

            string ikeAuth = Tshark.Read(home, capture, "isakmp", "-V");
            // IDs are inside the SK payload: seeing them proves the decryption worked.
            Assert.Contains(HqTopology.BoxId, ikeAuth);
            Assert.Contains(HqTopology.HqId, ikeAuth);
            Assert.DoesNotContain("Checksum: Incorrect", ikeAuth);
            string broken = Tshark.Read(home, capture, "isakmp && (_ws.malformed || _ws.expert.severity >= error)");
            Assert.True(broken.Trim().Length == 0, "tshark flags IKE packets: " + broken);

            // The capture holds only UDP: ICMP seen inside it can only come out of the decrypted ESP-in-UDP.
            string icmp = Tshark.Read(home, capture, "udp && icmp", "-d", "udp.port==4500,udpencap");
            output.WriteLine(icmp);

            if (!icmp.Contains("Echo (ping) request"))
                output.WriteLine("capture:\n" + Tshark.Read(home, capture, "udp", "-d", "udp.port==4500,udpencap") +
                    "\nesp_sa SPIs: " + string.Join(" ", File.ReadAllLines(Path.Combine(keyLog, "esp_sa")).Select(l => l.Split(',').Take(4).Aggregate((x, y) => x + "," + y))));
            Assert.Contains("Echo (ping) request", icmp);
            Assert.Contains(HqTopology.LanHostAddress, icmp);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}

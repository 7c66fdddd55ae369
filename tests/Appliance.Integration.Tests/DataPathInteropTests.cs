using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Traffic from a branch LAN host through the box and strongSwan (kernel-libipsec, so ESP-in-UDP) to a
/// host at HQ and back. strongSwan's own SA byte counters prove the packets really crossed the SA.
/// </summary>
public sealed class DataPathInteropTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret";

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519", "aes256gcm16")]
    [InlineData("aes128-sha256-modp2048", "chacha20poly1305")]
    [InlineData("aes128-sha256-modp2048", "aes128-sha256")]
    public void PingAndTcp_BothDirections_ThroughStrongSwan(string ike, string esp)
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            var ping = Netns.Try(topo.LanHost, "ping", "-c", "5", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress);
            output.WriteLine(ping.All);
            Assert.True(ping.ExitCode == 0, "LAN → HQ ping failed: " + ping.All);
            var back = Netns.Try(topo.HqHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.LanHostAddress);
            Assert.True(back.ExitCode == 0, "HQ → LAN ping failed: " + back.All);

            // TCP both ways with iperf3 (also exercises MSS clamping: the tunnel MTU is below 1500).
            Netns.Exec(topo.HqHost, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var tcp = Netns.Try(topo.LanHost, "iperf3", "-c", HqTopology.HqHostAddress, "-t", "2", "-f", "m");
            output.WriteLine(tcp.All);
            Assert.True(tcp.ExitCode == 0, "TCP LAN → HQ failed: " + tcp.All);
            Netns.Exec(topo.LanHost, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var tcpBack = Netns.Try(topo.HqHost, "iperf3", "-c", HqTopology.LanHostAddress, "-t", "2", "-f", "m");
            Assert.True(tcpBack.ExitCode == 0, "TCP HQ → LAN failed: " + tcpBack.All);

            string sas = hq.ListSas();
            output.WriteLine(sas);
            long inBytes = long.Parse(Regex.Match(sas, @"in  [0-9a-f]{8},\s+(\d+) bytes").Groups[1].Value);
            long outBytes = long.Parse(Regex.Match(sas, @"out [0-9a-f]{8},\s+(\d+) bytes").Groups[1].Value);
            Assert.True(inBytes > 100_000, $"strongSwan's inbound SA counted only {inBytes} bytes");
            Assert.True(outBytes > 100_000, $"strongSwan's outbound SA counted only {outBytes} bytes");
            string status = box.StatusText();
            output.WriteLine(status);
            Assert.DoesNotMatch(@"in  [0-9a-f]{8}, 0 bytes", status);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }
}

using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Two boxes negotiate with each other (our IKE both ends) and carry the LANs' traffic as raw ESP
/// (IP protocol 50). A capture on the WAN link is checked for cleartext, and tshark decrypts it with
/// the key log.
/// </summary>
public sealed class BoxToBoxTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("aes256gcm16")]
    [InlineData("chacha20poly1305")]
    [InlineData("aes256-sha512")]
    public void RawEsp_TunnelMode_PingAndTcp_NoCleartextOnWan(string esp)
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-b2b-").FullName;
        string capture = Path.Combine(work, "wan.pcap"), clearCapture = Path.Combine(work, "clear.pcap"), keyLog = Path.Combine(work, "keys");
        // Two captures: every WAN packet whose outer header carries a LAN address (must stay empty, whole
        // test), and a small sample of everything during the pings for tshark to decrypt.
        using var clearDump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", clearCapture,
            "net 192.168.1.0/24 or net 192.168.2.0/24");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        using var b = new ApplianceProcess(topo.BoxB, BoxPairTopology.Config(sideA: false, esp, start: "none"));
        using var a = new ApplianceProcess(topo.BoxA, BoxPairTopology.Config(sideA: true, esp, start: "always", keyLog: keyLog));
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the tunnel up");
            var ping = Netns.Try(topo.LanA, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.HostB);
            output.WriteLine(ping.All);
            Assert.True(ping.ExitCode == 0, "lanA → lanB ping failed: " + ping.All);
            Assert.Equal(0, Netns.Try(topo.LanB, "ping", "-c", "3", "-i", "0.2", "-W", "2", BoxPairTopology.HostA).ExitCode);
            tcpdump.Stop();
            Netns.Exec(topo.LanB, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var tcp = Netns.Try(topo.LanA, "iperf3", "-c", BoxPairTopology.HostB, "-t", "2", "-f", "m");
            output.WriteLine(tcp.All);
            Assert.True(tcp.ExitCode == 0, "TCP through the tunnel failed: " + tcp.All);
            clearDump.Stop();

            // On the WAN: IKE and ESP (protocol 50) only, never a LAN address in clear.
            string clear = Harness.Tshark.Read(null, clearCapture, "ip");
            Assert.True(clear.Trim().Length == 0, "cleartext LAN packets on the WAN:\n" + clear);
            string espPackets = Harness.Tshark.Read(null, capture, "esp && !udp");
            Assert.True(espPackets.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 6, "expected raw ESP on the WAN:\n" + espPackets);

            if (esp != "chacha20poly1305") // tshark 4.0 cannot decrypt ChaCha20-Poly1305 ESP (TESTING.md §4)
            {
                string home = Harness.Tshark.HomeWithKeys(work, keyLog, "esp_sa");
                string decrypted = Harness.Tshark.Read(home, capture, "esp && icmp");
                output.WriteLine(decrypted);
                Assert.Contains("Echo (ping) request", decrypted);
                Assert.Contains(BoxPairTopology.HostA, decrypted);
            }
        }
        finally
        {
            output.WriteLine("---- box A ----\n" + a.Log);
            output.WriteLine("---- box B ----\n" + b.Log);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Encapsulation udp on both boxes: IKE negotiates UDP encapsulation without a NAT (RFC 3948), and the data planes
    /// carry it on their own connected 4500 sockets as UDP GSO/GRO trains (the fast path between two boxes).
    /// </summary>
    [Fact]
    public void EspInUdp_BoxToBox_PingAndTcp_OverTheGsoPath_NoCleartextOnWan()
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-b2bu-").FullName;
        string capture = Path.Combine(work, "wan.pcap"), clearCapture = Path.Combine(work, "clear.pcap");
        static string Udp(string section) => section.Replace("\"Encapsulation\": \"auto\"", "\"Encapsulation\": \"udp\"", StringComparison.Ordinal);
        using var clearDump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", clearCapture, "net 192.168.1.0/24 or net 192.168.2.0/24");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        using var b = new ApplianceProcess(topo.BoxB, Udp(BoxPairTopology.Config(sideA: false, "aes256gcm16", start: "none")));
        using var a = new ApplianceProcess(topo.BoxA, Udp(BoxPairTopology.Config(sideA: true, "aes256gcm16", start: "always")));
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the tunnel up");
            var ping = Netns.Try(topo.LanA, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.HostB);
            Assert.True(ping.ExitCode == 0, "lanA → lanB ping failed: " + ping.All);
            tcpdump.Stop();
            Netns.Exec(topo.LanB, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var tcp = Netns.Try(topo.LanA, "iperf3", "-c", BoxPairTopology.HostB, "-t", "3", "-f", "m");
            output.WriteLine(tcp.StdOut);
            Assert.True(tcp.ExitCode == 0, "TCP through the tunnel failed: " + tcp.All);
            Netns.Exec(topo.LanA, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var back = Netns.Try(topo.LanB, "iperf3", "-c", BoxPairTopology.HostA, "-t", "2", "-f", "m");
            Assert.True(back.ExitCode == 0, "TCP lanB → lanA failed: " + back.All);
            clearDump.Stop();

            Assert.True(Harness.Tshark.Read(null, clearCapture, "ip").Trim().Length == 0, "cleartext LAN packets on the WAN");
            Assert.True(Harness.Tshark.Read(null, capture, "esp && !udp").Trim().Length == 0, "raw ESP although UDP encapsulation was forced");
            string udpEsp = Harness.Tshark.Read(null, capture, "udp.port == 4500 && esp", "-d", "udp.port==4500,udpencap");
            Assert.True(udpEsp.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 6,
                "expected ESP-in-UDP on the WAN:\n" + Harness.Tshark.Read(null, capture, "udp", "-d", "udp.port==4500,udpencap"));
            foreach (var box in new[] { a, b })
            {
                using var status = box.Status();
                var dp = status.RootElement.GetProperty("dataPlane");
                output.WriteLine($"{box.Namespace} dataPlane: {dp.GetRawText()}");
                Assert.True(dp.GetProperty("udpGsoSegmentsSent").GetInt64() > 1000, $"{box.Namespace} did not send GSO trains: {dp}");
                Assert.True(dp.GetProperty("udpGroSegmentsReceived").GetInt64() > 1000, $"{box.Namespace} did not receive GRO trains: {dp}");
                StatusDrops.AssertNone(status, "unknownSpi", "noSa", "authenticationFailed", "replay");
            }
        }
        finally
        {
            output.WriteLine("---- box A ----\n" + a.Log);
            output.WriteLine("---- box B ----\n" + b.Log);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    [Fact]
    public void KillSwitch_NoCleartextWhileTunnelDown_AndAfterSigkill()
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-ks-").FullName;
        string capture = Path.Combine(work, "wan.pcap");
        // The box-side forwarding a plain router would do is on: only the kill switch stands in the way.
        Netns.Exec(topo.BoxA, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Netns.Exec(topo.BoxB, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        // Box A is configured but its peer never answers: no SA, ever.
        using var a = new ApplianceProcess(topo.BoxA, BoxPairTopology.Config(sideA: true, "aes256gcm16", start: "always"));
        try
        {
            Assert.True(a.WaitForControlSocket(TimeSpan.FromSeconds(15)), "box A did not start");
            Thread.Sleep(500);
            var ping = Netns.Try(topo.LanA, "ping", "-c", "3", "-i", "0.2", "-W", "1", BoxPairTopology.HostB);
            Assert.NotEqual(0, ping.ExitCode);
            a.Kill();
            Assert.True(a.Process.HasExited, "box A survived SIGKILL");
            var after = Netns.Try(topo.LanA, "ping", "-c", "3", "-i", "0.2", "-W", "1", BoxPairTopology.HostB);
            Assert.NotEqual(0, after.ExitCode);
            string routes = Netns.Exec(topo.BoxA, "ip", "route", "show", "table", "all");
            output.WriteLine(routes);
            Assert.Contains("blackhole 192.168.2.0/24", routes);
            tcpdump.Stop();
            string clear = Harness.Tshark.Read(null, capture, "ip.addr == 192.168.1.0/24 || ip.addr == 192.168.2.0/24");
            Assert.True(clear.Trim().Length == 0, "cleartext LAN packets on the WAN:\n" + clear);
        }
        finally
        {
            output.WriteLine("---- box A ----\n" + a.Log);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    internal static string Tshark(string? home, string capture, string filter) => Harness.Tshark.Read(home, capture, filter);
}

using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Two boxes negotiate an AH Child SA (RFC 4302, tunnel mode) with each other and carry the LANs' traffic as
/// raw IP protocol 51. AH authenticates but does not encrypt: the WAN capture must show AH (never ESP) with the
/// inner ICMP readable inside, and both data planes count the packets on the AH SAs without ICV failures.
/// </summary>
public sealed class AhBoxToBoxTests(ITestOutputHelper output)
{
    private static string Config(bool sideA, string ah, string start, string mode = "tunnel") =>
        BoxConfig.WithAh(BoxPairTopology.Config(sideA, "aes256gcm16", start, mode), "aes256gcm16", ah);

    [Theory]
    [InlineData("sha256")]
    [InlineData("sha512-esn")]
    public void Ah_TunnelMode_PingAndTcp_BothWays_TravelAsAh(string ah)
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-ah-").FullName;
        string capture = Path.Combine(work, "wan.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        using var b = new ApplianceProcess(topo.BoxB, Config(sideA: false, ah, start: "none"));
        Assert.True(b.WaitForControlSocket(TimeSpan.FromSeconds(15)), "box B did not start: " + b.Log);
        using var a = new ApplianceProcess(topo.BoxA, Config(sideA: true, ah, start: "always"));
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the AH tunnel up");
            var ping = Netns.Try(topo.LanA, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.HostB);
            output.WriteLine(ping.All);
            Assert.True(ping.ExitCode == 0, "lanA → lanB ping failed: " + ping.All);
            var back = Netns.Try(topo.LanB, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.HostA);
            Assert.True(back.ExitCode == 0, "lanB → lanA ping failed: " + back.All);
            Thread.Sleep(1000); // let tcpdump write the last replies before it stops
            tcpdump.Stop();

            foreach ((string client, string server, string host) in new[] { (topo.LanA, topo.LanB, BoxPairTopology.HostB), (topo.LanB, topo.LanA, BoxPairTopology.HostA) })
            {
                Netns.Exec(server, "iperf3", "-s", "-1", "-D");
                Thread.Sleep(300);
                var tcp = Netns.Try(client, "iperf3", "-c", host, "-t", "2", "-f", "m");
                output.WriteLine(tcp.All);
                Assert.True(tcp.ExitCode == 0, $"TCP {client} → {host} through the AH tunnel failed: " + tcp.All);
            }

            // On the WAN: AH (protocol 51) between the boxes, no ESP at all, and the pings readable inside AH.
            string ahPackets = Tshark.Read(null, capture, "ah && ip.proto == 51 && ip.addr == " + BoxPairTopology.WanA + " && ip.addr == " + BoxPairTopology.WanB);
            Assert.True(ahPackets.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 16, "expected raw AH on the WAN:\n" + ahPackets);
            Assert.True(Tshark.Read(null, capture, "esp || udp.port == 4500").Trim().Length == 0, "ESP on the WAN of an AH tunnel");
            string malformed = Tshark.Read(null, capture, "ah && _ws.malformed");
            Assert.True(malformed.Trim().Length == 0, "tshark finds malformed AH packets:\n" + malformed);
            string inner = Tshark.Read(null, capture, "ah && icmp.type == 8");
            output.WriteLine(inner);
            Assert.True(inner.Split('\n').Count(l => l.Contains("Echo (ping) request", StringComparison.Ordinal)) >= 8, "pings inside AH:\n" + inner);
            Assert.Contains(BoxPairTopology.HostA, inner);
            Assert.Contains(BoxPairTopology.HostB, inner);

            foreach (ApplianceProcess box in (ApplianceProcess[])[a, b])
            {
                using var status = box.Status();
                var child = status.RootElement.GetProperty("tunnels")[0].GetProperty("childSas")[0];
                Assert.Equal("AH", child.GetProperty("protocol").GetString());
                Assert.StartsWith(ah.StartsWith("sha256", StringComparison.Ordinal) ? "HMAC_SHA2_256_128" : "HMAC_SHA2_512_256",
                    child.GetProperty("suite").GetString());
                Assert.False(child.GetProperty("udpEncapsulation").GetBoolean());
                // 10 pings each way plus two short TCP runs.
                Assert.True(child.GetProperty("packetsOut").GetInt64() >= 100 && child.GetProperty("packetsIn").GetInt64() >= 100,
                    $"{box.Namespace}: SA counters " + child);
                StatusDrops.AssertNone(status, "authenticationFailed");
                string text = box.StatusText();
                output.WriteLine(text);
                Assert.Contains("AH SPIs:", text);
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
    public void Ah_ChildAndIkeRekeys_UnderTraffic_NoPingLost_NoIcvDrops()
    {
        using var topo = new BoxPairTopology();
        using var b = new ApplianceProcess(topo.BoxB, Config(sideA: false, "sha256-curve25519", start: "none"));
        Assert.True(b.WaitForControlSocket(TimeSpan.FromSeconds(15)), "box B did not start: " + b.Log);
        // A rekeys its AH Child SA every ≤ 10 s (with PFS: the proposal names curve25519) and the IKE SA at least once.
        using var a = new ApplianceProcess(topo.BoxA, Config(sideA: true, "sha256-curve25519", start: "always"),
            "--Appliance:Ike:RekeyTime=00:00:10", "--Appliance:Ike:IkeRekeyTime=00:00:25");
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the AH tunnel up");
            var ping = Netns.Try(topo.LanA, "ping", "-c", "300", "-i", "0.1", "-W", "2", BoxPairTopology.HostB);
            output.WriteLine(ping.StdOut.Split('\n').Reverse().Take(4).Aggregate((x, y) => y + "\n" + x));
            int received = int.Parse(Regex.Match(ping.StdOut, @"(\d+) received").Groups[1].Value);
            Assert.True(received >= 299, $"{300 - received} of 300 pings lost across the AH rekeys");
            int childRekeys = Regex.Matches(a.Log, "Child SA [0-9a-f]{8}_i [0-9a-f]{8}_o installed").Count - 1;
            output.WriteLine($"AH Child SAs installed after the first: {childRekeys}");
            Assert.True(childRekeys >= 2, "fewer than 2 AH Child SA rekeys happened:\n" + a.Log);
            Assert.Matches("IKE SA [0-9a-f]{16} of 'peer' rekeyed to", a.Log);
            foreach (ApplianceProcess box in (ApplianceProcess[])[a, b])
            {
                using var status = box.Status();
                var children = status.RootElement.GetProperty("tunnels")[0].GetProperty("childSas");
                Assert.All(children.EnumerateArray(), c => Assert.Equal("AH", c.GetProperty("protocol").GetString()));
                Assert.All(children.EnumerateArray(), c => Assert.Contains("CURVE_25519", c.GetProperty("suite").GetString()));
                output.WriteLine($"{box.Namespace} drops: " + StatusDrops.AssertNone(status, "unknownSpi", "noSa", "authenticationFailed", "replay"));
            }
        }
        finally
        {
            output.WriteLine("---- box A ----\n" + a.Log);
            output.WriteLine("---- box B ----\n" + b.Log);
        }
    }

    [Fact]
    public void Ah_TransportMode_BoxToBoxPing_IcmpOnlyInsideAh()
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-aht-").FullName;
        string capture = Path.Combine(work, "wan.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        using var b = new ApplianceProcess(topo.BoxB, Config(sideA: false, "sha384", start: "none", mode: "transport"));
        Assert.True(b.WaitForControlSocket(TimeSpan.FromSeconds(15)), "box B did not start: " + b.Log);
        using var a = new ApplianceProcess(topo.BoxA, Config(sideA: true, "sha384", start: "always", mode: "transport"));
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the transport-mode AH SA up");
            var ping = Netns.Try(topo.BoxA, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.WanB);
            output.WriteLine(ping.All);
            Assert.True(ping.ExitCode == 0, "boxA → boxB ping failed: " + ping.All);
            Thread.Sleep(1000);
            tcpdump.Stop();

            string clear = Tshark.Read(null, capture, "icmp && !ah");
            Assert.True(clear.Trim().Length == 0, "ICMP outside AH on the WAN:\n" + clear);
            string inside = Tshark.Read(null, capture, "ah && icmp && ip.addr == " + BoxPairTopology.WanA + " && ip.addr == " + BoxPairTopology.WanB);
            output.WriteLine(inside);
            Assert.True(inside.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 10, "expected the pings in transport-mode AH:\n" + inside);
            Assert.True(Tshark.Read(null, capture, "esp").Trim().Length == 0, "ESP on the WAN of an AH SA");

            foreach (ApplianceProcess box in (ApplianceProcess[])[a, b])
            {
                using var status = box.Status();
                var child = status.RootElement.GetProperty("tunnels")[0].GetProperty("childSas")[0];
                Assert.Equal("transport", child.GetProperty("mode").GetString());
                Assert.Equal("AH", child.GetProperty("protocol").GetString());
                Assert.True(child.GetProperty("packetsOut").GetInt64() >= 5 && child.GetProperty("packetsIn").GetInt64() >= 5,
                    $"{box.Namespace}: SA counters " + child);
                StatusDrops.AssertNone(status, "authenticationFailed");
            }
        }
        finally
        {
            output.WriteLine("---- box A ----\n" + a.Log);
            output.WriteLine("---- box B ----\n" + b.Log);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}

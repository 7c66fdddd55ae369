using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Two boxes (the published binary, our IKE both ends) with Mode "transport" and their WAN addresses
/// as selectors: the boxes' own traffic to each other goes through the data plane's TUN device and
/// travels as transport-mode ESP on the WAN, never as ICMP in clear.
/// </summary>
public sealed class TransportModeTests(ITestOutputHelper output)
{
    [Fact]
    public void BoxToBox_TransportMode_PingTravelsAsEsp_NoIcmpInClear()
    {
        using var topo = new BoxPairTopology();
        string work = Directory.CreateTempSubdirectory("appliance-tr-").FullName;
        string capture = Path.Combine(work, "wan.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.BoxB, "wan0", capture);
        using var b = new ApplianceProcess(topo.BoxB, BoxPairTopology.Config(sideA: false, "aes256gcm16", start: "none", mode: "transport"));
        // B listens for IKE before A initiates: otherwise B's kernel answers A's first IKE_SA_INIT with an ICMP port unreachable.
        Assert.True(b.WaitForControlSocket(TimeSpan.FromSeconds(15)), "box B did not start: " + b.Log);
        using var a = new ApplianceProcess(topo.BoxA, BoxPairTopology.Config(sideA: true, "aes256gcm16", start: "always", mode: "transport"));
        try
        {
            Assert.True(Shell.WaitUntil(() => IkeInteropTests.Health(a) == "Up" && IkeInteropTests.Health(b) == "Up",
                TimeSpan.FromSeconds(20)), "the boxes did not bring the transport-mode SA up");
            var ping = Netns.Try(topo.BoxA, "ping", "-c", "5", "-i", "0.2", "-W", "2", BoxPairTopology.WanB);
            output.WriteLine(ping.All);
            Assert.True(ping.ExitCode == 0, "boxA → boxB ping failed: " + ping.All);
            Thread.Sleep(300);
            tcpdump.Stop();

            string icmp = Tshark.Read(null, capture, "icmp");
            Assert.True(icmp.Trim().Length == 0, "ICMP in clear on the WAN:\n" + icmp);
            string esp = Tshark.Read(null, capture, "esp && !udp && ip.addr == " + BoxPairTopology.WanA + " && ip.addr == " + BoxPairTopology.WanB);
            output.WriteLine(esp);
            Assert.True(esp.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 8, "expected transport-mode ESP on the WAN:\n" + esp);

            // Both data planes counted the pings on the transport-mode Child SA.
            foreach (var box in (ApplianceProcess[])[a, b])
            {
                using var status = box.Status();
                var child = status.RootElement.GetProperty("tunnels")[0].GetProperty("childSas")[0];
                Assert.Equal("transport", child.GetProperty("mode").GetString());
                Assert.Equal("ESP", child.GetProperty("protocol").GetString());
                Assert.True(child.GetProperty("packetsOut").GetInt64() >= 5 && child.GetProperty("packetsIn").GetInt64() >= 5,
                    $"{box.Namespace}: SA counters " + child);
                // Nothing but the pings came out of the TUN device (no IPv6 noise counted as malformed).
                StatusDrops.AssertNone(status, "malformed");
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

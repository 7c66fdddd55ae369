using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// A TCP flow (iperf3) across at least three Child SA rekeys and one IKE SA rekey, started once by the box and once by
/// strongSwan, with no ESP dropped for a missing SA on either side; and Child SAs rekeyed by volume (RekeyBytes).
/// </summary>
public sealed class RekeyUnderLoadTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Iperf3AcrossChildAndIkeRekeys_NoEspDroppedForAMissingSa(bool boxInitiatesRekeys)
    {
        using var topo = new HqTopology();
        // Whoever is not meant to rekey gets long lifetimes, so every rekey here is started by the other side.
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk,
            ikeRekeyTime: boxInitiatesRekeys ? "4h" : "25s", childRekeyTime: boxInitiatesRekeys ? "1h" : "9s",
            childLifeTime: boxInitiatesRekeys ? "66m" : "15s"));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk),
            boxInitiatesRekeys ? "--Appliance:Ike:RekeyTime=00:00:10" : "--Appliance:Ike:RekeyTime=01:00:00",
            boxInitiatesRekeys ? "--Appliance:Ike:IkeRekeyTime=00:00:25" : "--Appliance:Ike:IkeRekeyTime=04:00:00");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            // 40 s of TCP: 20 s LAN → HQ, then 20 s HQ → LAN.
            Netns.Exec(topo.HqHost, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var up = Netns.Try(topo.LanHost, "iperf3", "-c", HqTopology.HqHostAddress, "-t", "20", "-f", "m");
            Netns.Exec(topo.LanHost, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            var down = Netns.Try(topo.HqHost, "iperf3", "-c", HqTopology.LanHostAddress, "-t", "20", "-f", "m");
            output.WriteLine(up.StdOut + down.StdOut);
            Assert.True(up.ExitCode == 0, "iperf3 LAN → HQ failed: " + up.All);
            Assert.True(down.ExitCode == 0, "iperf3 HQ → LAN failed: " + down.All);
            foreach (var run in new[] { up, down })
            {
                var rate = Regex.Match(run.StdOut, @"([\d.]+) Mbits/sec\s+receiver");
                Assert.True(rate.Success && double.Parse(rate.Groups[1].Value) > 5, "no throughput through the rekeys: " + run.StdOut);
            }

            int childRekeys = Regex.Matches(box.Log, "Child SA [0-9a-f]{8}_i [0-9a-f]{8}_o installed").Count - 1;
            int ikeRekeys = Regex.Matches(box.Log, "IKE SA [0-9a-f]{16} of 'hq' rekeyed to").Count;
            int startedByBox = Regex.Matches(box.Log, "rekeying Child SA").Count;
            output.WriteLine($"Child SA rekeys: {childRekeys}, IKE SA rekeys: {ikeRekeys}, Child rekeys started by the box: {startedByBox}");
            Assert.True(childRekeys >= 3, "fewer than 3 Child SA rekeys:\n" + box.Log);
            Assert.True(ikeRekeys >= 1, "no IKE SA rekey:\n" + box.Log);
            if (boxInitiatesRekeys) Assert.True(startedByBox >= 3, "the box did not start the rekeys");
            else
            {
                Assert.Equal(0, startedByBox);
                // The box waited for HQ before sending on each new SA: HQ's first packet on it or HQ's DELETE of the old one switched it.
                Assert.True(Regex.Matches(box.Log, "used outbound now").Count >= childRekeys, "new SAs not activated by HQ:\n" + box.Log);
            }

            using var status = box.Status();
            output.WriteLine("drops: " + StatusDrops.AssertNone(status, "unknownSpi", "noSa"));
            Assert.DoesNotContain("unknown SPI", hq.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }

    [Fact]
    public void RekeyBytes_RekeysTheChildSaByVolume_WithoutInterruptingTheFlow()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk),
            "--Appliance:Tunnels:hq:RekeyBytes=20000000");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            Netns.Exec(topo.HqHost, "iperf3", "-s", "-1", "-D");
            Thread.Sleep(300);
            // 100 MB at most: at least four times the 20 MB limit (minus up to 10 % jitter) in one direction.
            var run = Netns.Try(topo.LanHost, "iperf3", "-c", HqTopology.HqHostAddress, "-n", "100M", "-f", "m");
            output.WriteLine(run.StdOut);
            Assert.True(run.ExitCode == 0, "iperf3 failed: " + run.All);
            Thread.Sleep(1500); // the data plane checks lifetimes once a second
            int early = Regex.Matches(box.Log, "reached its soft lifetime").Count;
            int childRekeys = Regex.Matches(box.Log, "Child SA [0-9a-f]{8}_i [0-9a-f]{8}_o installed").Count - 1;
            output.WriteLine($"soft byte limits reached: {early}, Child SA rekeys: {childRekeys}");
            Assert.True(early >= 3, "the byte limit did not trigger rekeys:\n" + box.Log);
            Assert.True(childRekeys >= 3, "fewer than 3 Child SA rekeys:\n" + box.Log);
            using var status = box.Status();
            output.WriteLine("drops: " + StatusDrops.AssertNone(status, "unknownSpi", "noSa", "lifetimeExpired"));
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    [Fact]
    public void Inactivity_ClosesAnIdleTunnel_AndTheNextPacketOpensItAgain()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk, start: "trap"),
            "--Appliance:Tunnels:hq:Inactivity=00:00:04");
        try
        {
            var first = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.3", "-W", "3", HqTopology.HqHostAddress);
            Assert.True(first.ExitCode == 0, "the first traffic did not open the tunnel: " + first.All + box.Log);
            Assert.Contains("INSTALLED", hq.ListSas());

            Assert.True(Shell.WaitUntil(() => box.Log.Contains("closing the tunnel"), TimeSpan.FromSeconds(15)), "idle tunnel not closed:\n" + box.Log);
            Assert.True(Shell.WaitUntil(() => !hq.ListSas().Contains("ESTABLISHED"), TimeSpan.FromSeconds(5)),
                "HQ still lists the SA after the box closed it:\n" + hq.ListSas());
            Assert.DoesNotContain("re-initiating in", box.Log); // an idle close is no outage to recover from

            var again = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.3", "-W", "3", HqTopology.HqHostAddress);
            Assert.True(again.ExitCode == 0, "traffic did not re-open the tunnel: " + again.All + box.Log);
            Assert.Contains("re-opening", box.Log);
            Assert.Contains("INSTALLED", hq.ListSas());
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }
}

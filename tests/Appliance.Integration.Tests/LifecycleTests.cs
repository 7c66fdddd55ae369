using System.Diagnostics;
using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>The tunnel heals itself: HQ restarts, rekeys under traffic, all against strongSwan.</summary>
public sealed class LifecycleTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    [Fact]
    public void StrongSwanRestarts_BoxNoticesByDpd_AndTheTunnelComesBackByItself()
    {
        using var topo = new HqTopology();
        var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk),
            "--Appliance:Ike:Dpd=00:00:02", "--Appliance:Ike:RetransmitTimeout=00:00:01",
            "--Appliance:Ike:RestartDelay=00:00:01");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            hq.Dispose(); // charon killed: its SAs are gone, the box's are stale
            var clock = Stopwatch.StartNew();
            hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
            // Noticed within 3 DPD intervals (3 × 2 s) of the last answer, which came at most one interval before the
            // kill; the timer loop runs once a second. Retransmissions alone (1 s × 1.8^n, 5 tries) would take 20 s.
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("peer unreachable"), TimeSpan.FromSeconds(30)), "DPD never gave up:\n" + box.Log);
            output.WriteLine($"peer loss noticed {clock.Elapsed.TotalSeconds:F1} s after charon was killed (DPD 2 s)");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"noticed after {clock.Elapsed.TotalSeconds:F1} s, more than 3 DPD intervals");
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(40)),
                "the tunnel did not come back after strongSwan restarted:\n" + box.Log);
            output.WriteLine($"recovery (peer restart → Child SA installed again): {clock.Elapsed.TotalSeconds:F1} s");
            var ping = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress);
            Assert.True(ping.ExitCode == 0, "no traffic after recovery: " + ping.All);
            Assert.Contains("peer unreachable", box.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            hq.Dispose();
        }
    }

    [Fact]
    public void ChildAndIkeRekeys_UnderTraffic_NoPacketLostForAMissingSa()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk),
            "--Appliance:Ike:RekeyTime=00:00:10", "--Appliance:Ike:IkeRekeyTime=00:00:25");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            // 35 s of pings at 10/s spans three Child SA rekeys and one IKE SA rekey started by the box.
            var ping = Netns.Try(topo.LanHost, "ping", "-c", "350", "-i", "0.1", "-W", "2", HqTopology.HqHostAddress);
            output.WriteLine(ping.StdOut.Split('\n').Reverse().Take(4).Aggregate((x, y) => y + "\n" + x));
            var loss = Regex.Match(ping.StdOut, @"(\d+) received");
            int received = int.Parse(loss.Groups[1].Value);
            Assert.True(received >= 349, $"{350 - received} of 350 pings lost across the rekeys");
            int childRekeys = Regex.Matches(box.Log, "Child SA [0-9a-f]{8}_i [0-9a-f]{8}_o installed").Count - 1;
            output.WriteLine($"Child SAs installed after the first: {childRekeys}");
            Assert.True(childRekeys >= 3, "fewer than 3 Child SA rekeys happened:\n" + box.Log);
            Assert.Matches("IKE SA [0-9a-f]{16} of 'hq' rekeyed to", box.Log);
            Assert.Contains("CREATE_CHILD_SA", hq.Log);
            using var status = box.Status();
            output.WriteLine("drops: " + StatusDrops.AssertNone(status, "unknownSpi", "noSa"));
            Assert.DoesNotContain("received ESP packet with unknown SPI", hq.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }
}

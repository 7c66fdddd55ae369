using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Exclusion lists and local breakout with the published binary, strongSwan at HQ and an "internet" beyond HQ's router:
/// the tunnel carries HQ's LAN and 203.0.113.0/24; video.example.net (203.0.113.10) is excluded by name. Seen from the
/// internet host: traffic outside the tunnel arrives from the box's WAN address (masquerade), tunnel traffic from the LAN
/// host's own address (it came through HQ), and an excluded name's address leaves locally only while its answer is fresh.
/// </summary>
public sealed class ExclusionTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";
    private const string Resolver = "198.51.100.53", Excluded = "203.0.113.10", Tunnelled = "203.0.113.11";

    private static string HqConf() => HqTopology.SwanctlConf(Ike, Esp, Psk)
        .Replace($"local_ts = {HqTopology.HqSubnet}", $"local_ts = {HqTopology.HqSubnet}, 203.0.113.0/24", StringComparison.Ordinal);

    private static string BoxConf() => HqTopology.BoxConfig(Ike, Esp, Psk)
        .Replace("\"Lan\": { \"Interface\": \"lan0\" },", $$"""
            "Lan": { "Interface": "lan0", "Address": "192.168.1.1/24" },
            "Dns": { "Enabled": true, "Upstreams": [ "{{Resolver}}" ], "ExclusionGrace": "00:00:00" },
            """, StringComparison.Ordinal)
        .Replace($"\"RemoteTs\": [ \"{HqTopology.HqSubnet}\" ]",
            $"\"RemoteTs\": [ \"{HqTopology.HqSubnet}\", \"203.0.113.0/24\" ], \"Exclude\": [ \"video.example.net\" ]", StringComparison.Ordinal);

    /// <summary>Pings from the LAN host while the internet host captures; returns the sources the echo requests arrived with.</summary>
    private static string PingSeenFrom(HqTopology topo, string inet, string target)
    {
        string capture = Path.Combine(Path.GetTempPath(), $"excl-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var tcpdump = BackgroundProcess.Tcpdump(inet, "eth0", capture, "icmp"))
            {
                var ping = Netns.Try(topo.LanHost, "ping", "-c", "2", "-i", "0.3", "-W", "2", target);
                Assert.True(ping.ExitCode == 0, $"LAN → {target} failed: {ping.All}");
                Thread.Sleep(300);
            }
            return Tshark.Read(null, capture, $"icmp.type == 8 && ip.dst == {target}", "-T", "fields", "-e", "ip.src").Trim();
        }
        finally { File.Delete(capture); }
    }

    [Fact]
    public void Outside_traffic_is_masqueraded_and_an_excluded_name_leaves_locally_only_while_its_answer_is_fresh()
    {
        using var topo = new HqTopology();
        string inet = topo.Net.Add("inet");
        topo.Net.Link(topo.Hq, "inet0", "203.0.113.1/24", inet, "eth0", Excluded + "/24");
        Netns.Exec(inet, "ip", "addr", "add", Tunnelled + "/24", "dev", "eth0");
        Netns.Exec(inet, "ip", "addr", "add", Resolver + "/24", "dev", "eth0");
        Netns.Exec(inet, "ip", "route", "add", "default", "via", "203.0.113.1");
        Netns.Exec(topo.Hq, "ip", "route", "add", "198.51.100.0/24", "via", Excluded);
        // HQ's router is the box's internet uplink too.
        Netns.Exec(topo.Box, "ip", "route", "add", "default", "via", HqTopology.HqWan);
        using var resolver = new Dnsmasq(inet, Resolver, 4, ("video.example.net", Excluded), ("www.example.org", Tunnelled));
        using var hq = new StrongSwanPeer(topo.Hq, HqConf());
        string wanCapture = Path.Combine(Path.GetTempPath(), $"excl-wan-{Environment.ProcessId}.pcap");
        using var wan = BackgroundProcess.Tcpdump(topo.Hq, "eth0", wanCapture);
        using var box = new ApplianceProcess(topo.Box, BoxConf());
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up:\n" + box.Log);
            Assert.Contains($"breakout: masquerade on wan0 for 192.168.1.0/24", box.StatusText());

            // The internet outside the tunnel: from the box's WAN address.
            Assert.Equal(HqTopology.BoxWan, PingSeenFrom(topo, inet, Resolver).Split('\n').Distinct().Single());
            // The tunnel's part of the internet: from the LAN host itself, through HQ.
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Tunnelled).Split('\n').Distinct().Single());
            // Before anyone asked for the excluded name, its address is tunnel traffic like its neighbours.
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Excluded).Split('\n').Distinct().Single());

            string dig = Netns.Try(topo.LanHost, "dig", "+time=3", "+tries=1", "@192.168.1.1", "video.example.net").All;
            Assert.Contains(Excluded, dig);
            string status = box.StatusText();
            output.WriteLine(status);
            Assert.Contains("exclusions: video.example.net", status);
            Assert.Contains($"{Excluded,-15} video.example.net", status);
            Assert.Contains($"throw {Excluded} ", Netns.Exec(topo.Box, "ip", "route", "show", "table", "161"));
            Assert.Equal(HqTopology.BoxWan, PingSeenFrom(topo, inet, Excluded).Split('\n').Distinct().Single());
            // A name that is not excluded changes nothing.
            Assert.Contains(Tunnelled, Netns.Try(topo.LanHost, "dig", "+time=3", "+tries=1", "@192.168.1.1", "www.example.org").All);
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Tunnelled).Split('\n').Distinct().Single());

            // TTL 4 s, grace 0, swept every 5 s: then the address is tunnel traffic again.
            Assert.True(Shell.WaitUntil(() => !box.StatusText().Contains($"{Excluded,-15} video.example.net"), TimeSpan.FromSeconds(15)), box.StatusText());
            Assert.DoesNotContain($"throw {Excluded} ", Netns.Exec(topo.Box, "ip", "route", "show", "table", "161"));
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Excluded).Split('\n').Distinct().Single());

            Thread.Sleep(300);
            wan.Stop();
            // On the WAN the LAN's addresses never appear in clear: tunnel traffic is ESP, the rest was masqueraded.
            string clear = Tshark.Read(null, wanCapture, "ip.addr == 192.168.1.0/24");
            Assert.True(clear.Trim().Length == 0, "LAN addresses in clear on the WAN:\n" + clear);
            Assert.Contains("masquerade", Netns.Exec(topo.Box, "nft", "list", "table", "ip", "appliance_breakout"));
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- dnsmasq ----\n" + resolver.Log);
            File.Delete(wanCapture);
        }
    }
}

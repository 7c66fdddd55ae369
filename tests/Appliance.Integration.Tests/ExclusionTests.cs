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
        string inet = AddInternet(topo);
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

    /// <summary>The internet host and its resolver behind HQ's router, which is also the box's uplink.</summary>
    private static string AddInternet(HqTopology topo)
    {
        string inet = topo.Net.Add("inet");
        topo.Net.Link(topo.Hq, "inet0", "203.0.113.1/24", inet, "eth0", Excluded + "/24");
        Netns.Exec(inet, "ip", "addr", "add", Tunnelled + "/24", "dev", "eth0");
        Netns.Exec(inet, "ip", "addr", "add", Resolver + "/24", "dev", "eth0");
        Netns.Exec(inet, "ip", "route", "add", "default", "via", "203.0.113.1");
        Netns.Exec(topo.Hq, "ip", "route", "add", "198.51.100.0/24", "via", Excluded);
        Netns.Exec(topo.Box, "ip", "route", "add", "default", "via", HqTopology.HqWan);
        return inet;
    }

    [Fact]
    public void Full_tunnel_carries_everything_but_the_office_the_exclusions_and_the_boxs_own_traffic_and_nothing_leaks_after_sigkill()
    {
        using var topo = new HqTopology();
        string inet = AddInternet(topo);
        using var resolver = new Dnsmasq(inet, Resolver, ("video.example.net", Excluded), ("www.example.org", Tunnelled));
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk)
            .Replace($"local_ts = {HqTopology.HqSubnet}", "local_ts = 0.0.0.0/0", StringComparison.Ordinal));
        string wanCapture = Path.Combine(Path.GetTempPath(), $"full-wan-{Environment.ProcessId}.pcap");
        string afterKill = Path.Combine(Path.GetTempPath(), $"full-kill-{Environment.ProcessId}.pcap");
        var wan = BackgroundProcess.Tcpdump(topo.Hq, "eth0", wanCapture);
        string conf = BoxConf().Replace($"\"RemoteTs\": [ \"{HqTopology.HqSubnet}\", \"203.0.113.0/24\" ]", "\"RemoteTs\": [ \"0.0.0.0/0\" ]", StringComparison.Ordinal);
        Assert.Contains("\"RemoteTs\": [ \"0.0.0.0/0\" ]", conf);
        using var box = new ApplianceProcess(topo.Box, conf);
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up:\n" + box.Log);
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("(full tunnel)"), TimeSpan.FromSeconds(10)), box.Log);

            // The LAN's DNS works (the box answers its own LAN) and the query left through the tunnel, from the LAN address.
            string dig = Netns.Try(topo.LanHost, "dig", "+time=3", "+tries=1", "@192.168.1.1", "www.example.org").All;
            Assert.Contains(Tunnelled, dig);
            Assert.Contains("query[A] www.example.org from 192.168.1.1", resolver.Log);
            // Everything else from the LAN goes to HQ, which forwards it with the LAN host's own address.
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Tunnelled).Split('\n').Distinct().Single());
            Assert.Equal(HqTopology.LanHostAddress, PingSeenFrom(topo, inet, Resolver).Split('\n').Distinct().Single());
            var toHq = Netns.Try(topo.LanHost, "ping", "-c", "2", "-i", "0.3", "-W", "2", HqTopology.HqWan);
            Assert.True(toHq.ExitCode == 0, "LAN → HQ's public address (through the tunnel) failed: " + toHq.All);
            // An excluded name leaves locally, masqueraded.
            Assert.Contains(Excluded, Netns.Try(topo.LanHost, "dig", "+time=3", "+tries=1", "@192.168.1.1", "video.example.net").All);
            Assert.Equal(HqTopology.BoxWan, PingSeenFrom(topo, inet, Excluded).Split('\n').Distinct().Single());
            // The box's own traffic from its WAN address keeps the main table (name lookups, NTP, DHCP on the WAN).
            var own = Netns.Try(topo.Box, "ping", "-c", "1", "-W", "2", Tunnelled);
            Assert.True(own.ExitCode == 0, "the box's own ping to the internet failed: " + own.All);
            output.WriteLine(box.StatusText());

            Thread.Sleep(300);
            wan.Stop();
            Assert.Equal("", Tshark.Read(null, wanCapture, "ip.addr == 192.168.1.0/24 || dns").Trim());
            // In clear only the exclusion and the box's own ping, both from the WAN address; the rest is IKE and ESP.
            string clear = Tshark.Read(null, wanCapture, "ip && !(udp.port == 500 || udp.port == 4500 || esp) && !(icmp && (ip.addr == 203.0.113.10 || ip.addr == 203.0.113.11))");
            Assert.True(clear.Trim().Length == 0, "unexpected cleartext on the WAN:\n" + clear);

            // SIGKILL: the kill switch still holds the LAN's traffic; nothing for the tunnel leaves in clear.
            box.Kill();
            using (BackgroundProcess.Tcpdump(topo.Hq, "eth0", afterKill))
            {
                var leak = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.3", "-W", "1", Tunnelled);
                Assert.NotEqual(0, leak.ExitCode);
                Assert.DoesNotContain("status: NOERROR", Netns.Try(topo.LanHost, "dig", "+time=1", "+tries=1", "@192.168.1.1", "www.example.org").All);
                Thread.Sleep(300);
            }
            Assert.Equal("", Tshark.Read(null, afterKill, $"ip.addr == {Tunnelled} || ip.addr == {Resolver} || ip.addr == 192.168.1.0/24").Trim());
        }
        finally
        {
            wan.Dispose();
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- dnsmasq ----\n" + resolver.Log);
            File.Delete(wanCapture);
            File.Delete(afterKill);
        }
    }
}

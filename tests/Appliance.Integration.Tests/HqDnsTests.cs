using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The "hq" DNS upstream end to end: the box asks strongSwan for its DNS servers in IKE_AUTH (CFG_REQUEST; strongSwan
/// serves them from a swanctl pool), and the LAN's DNS forwarder asks HQ's resolver (dnsmasq on HQ's LAN) through the
/// tunnel, from the box's LAN address. The WAN carries no DNS in clear, and without the tunnel the name fails.
/// </summary>
public sealed class HqDnsTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    private static string HqConf() => HqTopology.SwanctlConf(Ike, Esp, Psk)
        .Replace("    dpd_delay = 0\n", "    dpd_delay = 0\n    pools = branches\n", StringComparison.Ordinal)
        + $$"""

        pools {
          branches {
            addrs = 10.200.0.0/28
            dns = {{HqTopology.HqHostAddress}}
          }
        }
        """;

    private static string BoxConf() => HqTopology.BoxConfig(Ike, Esp, Psk)
        .Replace("\"Lan\": { \"Interface\": \"lan0\" },", """
            "Lan": { "Interface": "lan0", "Address": "192.168.1.1/24" },
            "Dns": { "Enabled": true, "Upstreams": [ "hq" ] },
            """, StringComparison.Ordinal);

    private static string Dig(string ns, string name) =>
        Netns.Try(ns, ["dig", "+time=3", "+tries=1", "@192.168.1.1", name]).All;

    [Fact]
    public void Intranet_name_is_resolved_by_hq_resolver_through_the_tunnel_and_fails_without_it()
    {
        Assert.Contains("\"Address\": \"192.168.1.1/24\"", BoxConf());
        using var topo = new HqTopology();
        using var resolver = new Dnsmasq(topo.HqHost, HqTopology.HqHostAddress, ("intranet.corp.example.com", "192.168.2.20"));
        using var hq = new StrongSwanPeer(topo.Hq, HqConf());
        string capture = Path.Combine(Path.GetTempPath(), $"hqdns-{Environment.ProcessId}.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.Hq, "eth0", capture);
        using var box = new ApplianceProcess(topo.Box, BoxConf());
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up:\n" + box.Log);
            Assert.True(Shell.WaitUntil(() => box.StatusText().Contains("hq = " + HqTopology.HqHostAddress), TimeSpan.FromSeconds(10)),
                "the box did not take HQ's DNS server from the configuration payload:\n" + box.StatusText());
            string sas = hq.ListSas();
            output.WriteLine(sas);
            Assert.Contains("10.200.0.", hq.Swanctl("--list-pools", "--leases"));

            string answer = Dig(topo.LanHost, "intranet.corp.example.com");
            output.WriteLine(answer);
            Assert.Contains("status: NOERROR", answer);
            Assert.Contains("192.168.2.20", answer);
            // HQ's resolver saw the query from the box's LAN address: it came through the tunnel, not from the WAN.
            output.WriteLine(resolver.Log);
            Assert.Contains("query[A] intranet.corp.example.com from 192.168.1.1", resolver.Log);

            // The tunnel goes: HQ's servers are forgotten and the intranet name fails without anything sent.
            hq.Swanctl("--terminate", "--ike", "box");
            Assert.True(Shell.WaitUntil(() => box.StatusText().Contains("hq = (none"), TimeSpan.FromSeconds(10)), box.StatusText());
            Assert.Contains("status: SERVFAIL", Dig(topo.LanHost, "mail.corp.example.com"));
            Assert.DoesNotContain("mail.corp.example.com", resolver.Log);

            Thread.Sleep(1000);
            tcpdump.Stop();
            string clear = Tshark.Read(null, capture, "dns || udp.port == 53 || tcp.port == 53");
            Assert.True(clear.Trim().Length == 0, "DNS in clear on the WAN:\n" + clear);
            string esp = Tshark.Read(null, capture, "esp || udp.port == 4500");
            Assert.True(esp.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, "no ESP on the WAN:\n" + esp);
            output.WriteLine(box.StatusText());
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
            File.Delete(capture);
        }
    }

    [Fact]
    public void Hq_without_an_address_pool_still_gives_the_tunnel_and_the_box_says_why_hq_dns_is_empty()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, BoxConf());
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up:\n" + box.Log);
            var ping = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress);
            Assert.True(ping.ExitCode == 0, "LAN → HQ ping failed: " + ping.All);
            Assert.Contains("hq = (none", box.StatusText());
            Assert.Contains("HQ gave no DNS servers: peer answered INTERNAL_ADDRESS_FAILURE", box.Log);
            // The box's own traffic from its LAN address reaches HQ's LAN through the tunnel too.
            var own = Netns.Try(topo.Box, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-I", "192.168.1.1", HqTopology.HqHostAddress);
            Assert.True(own.ExitCode == 0, "box → HQ ping from the LAN address failed: " + own.All);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Three strongSwan gateways for one HQ network behind a switch (a bridge), each answering through a delay line of its
/// own (this kernel has no netem): the box picks the fastest, fails over to the next when it dies, and goes back only
/// after the fail-back hold time. A gateway given by name follows its DNS record.
/// </summary>
public sealed class GatewayTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";
    private const string BoxWan = "10.99.0.1", HqNet = "192.168.2.0/24", HqHost = "192.168.2.1";
    private static readonly string[] GatewayAddresses = ["10.99.0.2", "10.99.0.3", "10.99.0.4"];

    private sealed class Site : IDisposable
    {
        private readonly List<IDisposable> _owned = [];
        public Netns Net { get; } = new("gw");
        public string Box { get; }
        public string Lan { get; }
        public string[] Gateways { get; }
        public StrongSwanPeer[] Peers { get; }

        public Site(int[] delaysMs)
        {
            Box = Net.Add("box");
            Lan = Net.Add("lan");
            string sw = Net.Add("sw");
            Net.Link(Lan, "eth0", "192.168.1.10/24", Box, "lan0", "192.168.1.1/24");
            Shell.Check("ip", "-n", Lan, "route", "add", "default", "via", "192.168.1.1");
            Netns.Exec(sw, "ip", "link", "add", "br0", "type", "bridge");
            Netns.Exec(sw, "ip", "link", "set", "br0", "up");
            Net.Link(Box, "wan0", sw, "p0");
            Netns.Exec(Box, "ip", "addr", "add", BoxWan + "/24", "dev", "wan0");
            Netns.Exec(sw, "ip", "link", "set", "p0", "master", "br0");
            Gateways = new string[GatewayAddresses.Length];
            for (int i = 0; i < Gateways.Length; i++)
            {
                string gw = Gateways[i] = Net.Add($"g{i + 1}");
                Net.Link(gw, "eth0", sw, $"p{i + 1}");
                Netns.Exec(sw, "ip", "link", "set", $"p{i + 1}", "master", "br0");
                Netns.Exec(gw, "ip", "addr", "add", GatewayAddresses[i] + "/24", "dev", "eth0");
                // HQ's network, as every gateway sees it: its own side of 192.168.2.0/24.
                Netns.Exec(gw, "ip", "addr", "add", HqHost + "/32", "dev", "lo");
            }
            Peers = new StrongSwanPeer[Gateways.Length];
            for (int i = 0; i < Gateways.Length; i++)
            {
                _owned.Add(new DelayLine(Gateways[i], "eth0", GatewayAddresses[i], BoxWan, Box, "wan0", delaysMs[i], 0));
                Peers[i] = new StrongSwanPeer(Gateways[i], HqTopology.SwanctlConf(Ike, Esp, Psk)
                    .Replace("local_addrs = " + HqTopology.HqWan, "local_addrs = " + GatewayAddresses[i], StringComparison.Ordinal));
                _owned.Add(Peers[i]);
            }
        }

        /// <summary>The first gateway listing an installed Child SA (a dead gateway's may linger: ask <see cref="Has"/> for a given one).</summary>
        public int Serving() => Array.FindIndex(Peers, p => p.ListSas().Contains("INSTALLED", StringComparison.Ordinal));

        public bool Has(int gateway) => Peers[gateway].ListSas().Contains("INSTALLED", StringComparison.Ordinal);

        public void Dispose()
        {
            for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
            Net.Dispose();
        }
    }

    private static string BoxConfig(string remote) => HqTopology.BoxConfig(Ike, Esp, Psk, remote: remote)
        .Replace("\"RemoteTs\": [ \"192.168.2.0/24\" ]", $"\"RemoteTs\": [ \"{HqNet}\" ]", StringComparison.Ordinal);

    private static readonly string[] FastTimers =
    [
        "--Appliance:Ike:Dpd=00:00:02", "--Appliance:Ike:RetransmitTimeout=00:00:01", "--Appliance:Ike:RetransmitTries=2",
        "--Appliance:Ike:RestartDelay=00:00:01", "--Appliance:Ike:GatewayProbeInterval=00:00:03",
        "--Appliance:Ike:GatewayFailBackAfter=00:00:20", "--Appliance:Ike:GatewayResolveInterval=00:00:03",
    ];

    private static JsonElement[] GatewayStatus(ApplianceProcess box)
    {
        using var status = box.Status();
        return [.. status.RootElement.GetProperty("tunnels")[0].GetProperty("gateways").EnumerateArray().Select(g => g.Clone())];
    }

    private static string ActiveGateway(ApplianceProcess box) =>
        GatewayStatus(box).FirstOrDefault(g => g.GetProperty("active").GetBoolean()) is { ValueKind: JsonValueKind.Object } a
            ? a.GetProperty("name").GetString()! : "";

    private static bool Ping(string ns) => Netns.Try(ns, "ping", "-c", "1", "-W", "1", HqHost).ExitCode == 0;

    [Fact]
    public void Box_picks_the_fastest_gateway_fails_over_and_fails_back_after_the_hold_time()
    {
        using var site = new Site([120, 15, 60]);
        string capture = Path.Combine(Path.GetTempPath(), $"gw-{Environment.ProcessId}.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(site.Box, "wan0", capture, "udp", "port", "500");
        using var box = new ApplianceProcess(site.Box, BoxConfig(string.Join(", ", GatewayAddresses)), FastTimers);
        try
        {
            Assert.True(Shell.WaitUntil(() => site.Serving() >= 0, TimeSpan.FromSeconds(30)), "no gateway has the tunnel:\n" + box.Log);
            output.WriteLine(box.StatusText());
            tcpdump.Stop();
            output.WriteLine(Shell.Run("tcpdump", ["-nn", "-ttt", "-r", capture], TimeSpan.FromSeconds(10)).All);
            Assert.Equal(1, site.Serving());
            Assert.Equal(GatewayAddresses[1], ActiveGateway(box));
            Assert.True(Shell.WaitUntil(() => Ping(site.Lan), TimeSpan.FromSeconds(10)), "LAN → HQ through the fastest gateway failed");
            var measured = GatewayStatus(box);
            foreach (var g in measured) output.WriteLine(g.GetRawText());
            double Rtt(int i) => measured[i].TryGetProperty("rttMs", out var r) ? r.GetDouble() : double.NaN;
            Assert.True(Rtt(1) < Rtt(2) && Rtt(2) < Rtt(0), $"RTTs do not follow the delays: {Rtt(0)} {Rtt(1)} {Rtt(2)}");

            // The fastest gateway dies: the tunnel moves to the next fastest (60 ms), not to the slowest.
            var failover = Stopwatch.StartNew();
            Netns.Exec(site.Gateways[1], "ip", "link", "set", "eth0", "down");
            int lost = 0;
            while (!(site.Has(2) && Ping(site.Lan)))
            {
                lost++;
                Assert.True(failover.Elapsed < TimeSpan.FromSeconds(30), "no fail-over within 30 s:\n" + box.Log);
                Thread.Sleep(200);
            }
            output.WriteLine($"fail-over took {failover.Elapsed.TotalSeconds:0.0} s ({lost} probes of the path failed)");
            Assert.True(failover.Elapsed < TimeSpan.FromSeconds(15), $"fail-over took {failover.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(GatewayAddresses[2], ActiveGateway(box));

            // It comes back: the tunnel returns to it only after it has been clearly faster for the hold time (20 s).
            Netns.Exec(site.Gateways[1], "ip", "link", "set", "eth0", "up");
            Assert.True(Shell.WaitUntil(() => GatewayStatus(box)[1].GetProperty("state").GetString() == "Reachable", TimeSpan.FromSeconds(15)),
                "the returning gateway is not probed back to reachable");
            var back = Stopwatch.StartNew();
            while (back.Elapsed < TimeSpan.FromSeconds(14))
            {
                Assert.Equal(GatewayAddresses[2], ActiveGateway(box));
                Thread.Sleep(1000);
            }
            Assert.True(Shell.WaitUntil(() => ActiveGateway(box) == GatewayAddresses[1], TimeSpan.FromSeconds(25)), "no fail-back:\n" + box.Log);
            output.WriteLine($"fail-back after {back.Elapsed.TotalSeconds:0.0} s of the gateway answering again");
            Assert.True(Shell.WaitUntil(() => site.Serving() == 1 && Ping(site.Lan), TimeSpan.FromSeconds(15)), "traffic did not follow the fail-back");
            output.WriteLine(box.StatusText());
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    [Fact]
    public void A_gateway_given_by_name_follows_its_dns_record()
    {
        using var site = new Site([5, 5, 5]);
        string zone = Path.Combine(Path.GetTempPath(), $"gw-hosts-{Environment.ProcessId}");
        File.WriteAllText(zone, $"{GatewayAddresses[0]} vpn.hq.example\n");
        // dnsmasq on the first gateway answers for the name; the box's namespace uses it (ip netns exec mounts this file).
        string etc = $"/etc/netns/{site.Box}";
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "resolv.conf"), $"nameserver {GatewayAddresses[0]}\n");
        using var dns = new BackgroundProcess("ip", ["netns", "exec", site.Gateways[0], "dnsmasq", "--keep-in-foreground", "--no-resolv",
            "--no-hosts", $"--addn-hosts={zone}", "--bind-interfaces", $"--listen-address={GatewayAddresses[0]}", "--local-ttl=1",
            "--log-queries", "--log-facility=-", "--pid-file=", "--user=root", "--group=root"]);
        dns.WaitFor("started", TimeSpan.FromSeconds(10));
        using var box = new ApplianceProcess(site.Box, BoxConfig("vpn.hq.example"), FastTimers);
        try
        {
            Assert.True(Shell.WaitUntil(() => site.Serving() == 0, TimeSpan.FromSeconds(30)), "the named gateway did not get the tunnel:\n" + box.Log);
            Assert.Contains("vpn.hq.example", box.StatusText());
            // HQ's dynamic DNS moves the name to another gateway: the tunnel follows within the resolve interval (3 s).
            File.WriteAllText(zone, $"{GatewayAddresses[2]} vpn.hq.example\n");
            Shell.Check("kill", "-HUP", dns.Id.ToString()); // dnsmasq re-reads its hosts files
            Assert.True(Shell.WaitUntil(() => site.Serving() == 2 && Ping(site.Lan), TimeSpan.FromSeconds(30)), "the tunnel did not follow the name:\n" + box.Log);
            Assert.Contains("resolves to " + GatewayAddresses[2], box.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- dnsmasq ----\n" + dns.Output);
            Directory.Delete(etc, recursive: true);
            File.Delete(zone);
        }
    }
}

using System.Text.Json;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The box's DNS forwarder between a PC (dig, after getting its address by DHCP) and dnsmasq resolvers beyond the WAN:
/// plain UDP and TCP, the cache, split DNS to HQ with no tunnel (SERVFAIL, nothing sent), malformed queries counted,
/// and DNS over TLS through a TLS terminator with a test CA where the WAN carries only port 853.
/// </summary>
public sealed class DnsForwarderTests(ITestOutputHelper output)
{
    private static string Config(string upstreams, string domains = "\"corp.example.com\": \"hq\"", string extra = "") => LanTopology.BoxConfig($$"""
        "Dhcp": { "Enabled": true },
        "Dns": { "Enabled": true, "Upstreams": [ {{upstreams}} ], "Domains": { {{domains}} } {{extra}} }
        """);

    private static string Dig(string ns, params string[] args) =>
        Netns.Try(ns, ["dig", "+time=3", "+tries=1", "@" + LanTopology.BoxLan, .. args]).All;

    [Fact]
    public void Pc_resolves_public_names_through_the_box_with_cache_tcp_and_no_leak_for_hq_names()
    {
        using var topo = new LanTopology();
        using var resolver = new Dnsmasq(topo.InternetHost, LanTopology.Internet, ("www.example.com", "203.0.113.10"));
        using var pc = new DhcpClient(topo.Pc1);
        using var box = new ApplianceProcess(topo.Box, Config("\"10.99.0.2\""));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), "service did not start:\n" + box.Log);
            Assert.Equal(LanTopology.BoxLan, pc.Obtain().GetValueOrDefault("new_domain_name_servers"));

            string first = Dig(topo.Pc1, "www.example.com");
            output.WriteLine(first);
            Assert.Contains("status: NOERROR", first);
            Assert.Matches(@"www\.example\.com\.\s+300\s+IN\s+A\s+203\.0\.113\.10", first);
            string cached = Dig(topo.Pc1, "www.example.com");
            Assert.Contains("203.0.113.10", cached);
            Assert.Contains("status: NOERROR", Dig(topo.Pc1, "+tcp", "www.example.com"));

            string corp = Dig(topo.Pc1, "intranet.corp.example.com");
            output.WriteLine(corp);
            Assert.Contains("status: SERVFAIL", corp);

            // Malformed queries: a compression loop, a truncated header, an oversized datagram; then a good one.
            var junk = Netns.Try(topo.Pc1, "python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for p in [bytes([0,1,1,0,0,1,0,0,0,0,0,0,0xC0,12,0,1,0,1]), bytes([0,1,1]), bytes(5000)]:
                    s.sendto(p, ("192.168.1.1", 53))
                """);
            Assert.True(junk.ExitCode == 0, junk.All);
            Assert.Contains("203.0.113.10", Dig(topo.Pc1, "+short", "www.example.com"));

            using var status = box.Status();
            var dns = status.RootElement.GetProperty("lan").GetProperty("dns");
            output.WriteLine(dns.GetRawText());
            var counters = dns.GetProperty("counters");
            Assert.True(counters.GetProperty("cacheHits").GetInt64() >= 2);
            Assert.Equal(1, counters.GetProperty("tunnelDown").GetInt64());
            var drops = dns.GetProperty("drops");
            Assert.Equal(1, drops.GetProperty("badName").GetInt64());
            Assert.Equal(1, drops.GetProperty("truncated").GetInt64());
            Assert.Equal(1, drops.GetProperty("oversized").GetInt64());
            Assert.Contains(dns.GetProperty("routes").EnumerateArray(),
                r => r.GetProperty("domain").GetString() == "corp.example.com" && r.GetProperty("upstreams")[0].GetString() == "hq");

            // dnsmasq saw www.example.com once (then the cache answered) and never the HQ name.
            output.WriteLine(resolver.Log);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(resolver.Log, @"query\[A\] www\.example\.com"));
            Assert.DoesNotContain("corp.example.com", resolver.Log);
            string text = box.StatusText();
            output.WriteLine(text);
            Assert.Contains("corp.example.com via hq", text);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    [Fact]
    public void Dns_over_tls_checks_the_name_and_the_wan_carries_only_port_853()
    {
        using var topo = new LanTopology();
        string dir = Directory.CreateTempSubdirectory("ln-dot-").FullName;
        try
        {
            MakeCertificates(dir);
            using var resolver = new Dnsmasq(topo.InternetHost, LanTopology.Internet, ("www.example.com", "203.0.113.10"));
            // A TLS terminator in front of dnsmasq's TCP port: what a DoT resolver looks like on the wire.
            using var tls = new BackgroundProcess("ip", "netns", "exec", topo.InternetHost, "socat", "-d",
                $"OPENSSL-LISTEN:853,bind={LanTopology.Internet},fork,reuseaddr,cert={dir}/server.pem,key={dir}/server.key,verify=0",
                $"TCP:{LanTopology.Internet}:53");
            Assert.True(Shell.WaitUntil(() => Netns.Try(topo.InternetHost, "ss", "-ltn").StdOut.Contains(":853"), TimeSpan.FromSeconds(10)));
            using var box = new ApplianceProcess(topo.Box, Config("\"tls://10.99.0.2#dns.example.net\"",
                domains: "\"wrong.test\": \"tls://10.99.0.2#other.example.net\"", extra: $", \"TlsCaCertificates\": [ \"{dir}/ca.pem\" ]"));
            using var capture = BackgroundProcess.Tcpdump(topo.InternetHost, "eth0", Path.Combine(dir, "wan.pcap"), "ip");
            try
            {
                Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), "service did not start:\n" + box.Log);
                Netns.Exec(topo.Pc1, "ip", "addr", "add", "192.168.1.50/24", "dev", "eth0");
                string answer = Dig(topo.Pc1, "www.example.com");
                output.WriteLine(answer);
                Assert.Contains("203.0.113.10", answer);
                // A certificate that does not name the configured resolver is refused: SERVFAIL.
                Assert.Contains("status: SERVFAIL", Dig(topo.Pc1, "host.wrong.test"));
                capture.Stop();
                string ports = Shell.Check("tshark", "-r", Path.Combine(dir, "wan.pcap"), "-T", "fields", "-e", "tcp.port", "-e", "udp.port");
                output.WriteLine(ports);
                Assert.Contains("853", ports);
                Assert.DoesNotContain("53\n", ports.Replace("853", "x"));
                Assert.DoesNotContain("53,", ports.Replace("853", "x"));
                using var status = box.Status();
                Assert.True(status.RootElement.GetProperty("lan").GetProperty("dns").GetProperty("counters").GetProperty("upstreamFailures").GetInt64() >= 1);
            }
            finally
            {
                output.WriteLine("---- appliance ----\n" + box.Log);
                output.WriteLine("---- socat ----\n" + tls.Output);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void MakeCertificates(string dir)
    {
        Shell.Check("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Test DoT CA", "-keyout", $"{dir}/ca.key", "-out", $"{dir}/ca.pem");
        Shell.Check("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=dns.example.net", "-keyout", $"{dir}/server.key", "-out", $"{dir}/server.csr");
        File.WriteAllText($"{dir}/ext.cnf", "subjectAltName=DNS:dns.example.net\nextendedKeyUsage=serverAuth\n");
        Shell.Check("openssl", "x509", "-req", "-in", $"{dir}/server.csr", "-CA", $"{dir}/ca.pem", "-CAkey", $"{dir}/ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", $"{dir}/ext.cnf", "-out", $"{dir}/server.pem");
    }
}

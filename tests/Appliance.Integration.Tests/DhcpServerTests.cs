using System.Text.Json;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The box's DHCP server against ISC dhclient on two PCs behind a switch: a pool address and a static lease, the box
/// as router and DNS, the search list; the leases survive a restart of the service (the PCs' INIT-REBOOT is ACKed).
/// </summary>
public sealed class DhcpServerTests(ITestOutputHelper output)
{
    private const string Dhcp = """
        "Dns": { "Enabled": true, "Upstreams": [ "10.99.0.2" ] },
        "Dhcp": { "Enabled": true, "PoolStart": "192.168.1.100", "PoolEnd": "192.168.1.150", "LeaseTime": "01:00:00",
                  "StaticLeases": [ "52:54:00:00:00:99=192.168.1.20" ], "DomainName": "branch1.example.com",
                  "SearchDomains": [ "corp.example.com" ] }
        """;

    [Fact]
    public void Pcs_get_addresses_router_and_dns_and_keep_them_across_a_service_restart()
    {
        using var topo = new LanTopology();
        using var pc1 = new DhcpClient(topo.Pc1);
        using var pc2 = new DhcpClient(topo.Pc2);
        var box = new ApplianceProcess(topo.Box, LanTopology.BoxConfig(Dhcp));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), "service did not start:\n" + box.Log);
            var lease1 = pc1.Obtain();
            output.WriteLine(string.Join(" ", lease1.Select(p => $"{p.Key}={p.Value}")));
            Assert.Equal("BOUND", lease1.GetValueOrDefault("reason"));
            Assert.Equal("192.168.1.100", lease1["new_ip_address"]);
            Assert.Equal("255.255.255.0", lease1["new_subnet_mask"]);
            Assert.Equal(LanTopology.BoxLan, lease1["new_routers"]);
            Assert.Equal(LanTopology.BoxLan, lease1["new_domain_name_servers"]);
            Assert.Equal("corp.example.com.", lease1["new_domain_search"]);
            Assert.Equal("branch1.example.com", lease1["new_domain_name"]);
            var lease2 = pc2.Obtain();
            Assert.Equal("192.168.1.20", lease2.GetValueOrDefault("new_ip_address"));

            // The addresses work: each PC reaches the box and the other PC.
            Assert.Equal(0, Netns.Try(topo.Pc1, "ping", "-c", "1", "-W", "2", LanTopology.BoxLan).ExitCode);
            Assert.Equal(0, Netns.Try(topo.Pc2, "ping", "-c", "1", "-W", "2", "192.168.1.100").ExitCode);

            using (var status = box.Status())
            {
                var dhcp = status.RootElement.GetProperty("lan").GetProperty("dhcp");
                output.WriteLine(dhcp.GetRawText());
                var leases = dhcp.GetProperty("leases").EnumerateArray().ToList();
                Assert.Equal(["192.168.1.20", "192.168.1.100"], leases.Select(l => l.GetProperty("address").GetString()));
                Assert.Equal(LanTopology.Pc2Mac, leases[0].GetProperty("mac").GetString());
                Assert.True(leases[0].GetProperty("static").GetBoolean());
                Assert.Equal("pc", leases[1].GetProperty("hostName").GetString());
                Assert.Equal(2, dhcp.GetProperty("counters").GetProperty("acks").GetInt64());
            }
            string text = box.StatusText();
            output.WriteLine(text);
            Assert.Contains("192.168.1.100", text);

            // Restart the service; the PCs come back (INIT-REBOOT with their old address) and are confirmed.
            pc1.Stop();
            pc2.Stop();
            Assert.Equal(0, box.Stop(TimeSpan.FromSeconds(15)));
            string leaseFile = Path.Combine(box.StateDirectory, "runtime", "dhcp-leases.json");
            Assert.Contains("192.168.1.100", File.ReadAllText(leaseFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(leaseFile));
            var again = new ApplianceProcess(topo.Box, LanTopology.BoxConfig(Dhcp),
                $"--Appliance:StateDirectory={box.StateDirectory}");
            try
            {
                Assert.True(again.WaitForControlSocket(TimeSpan.FromSeconds(20)), "service did not restart:\n" + again.Log);
                var renewed = pc1.Obtain();
                output.WriteLine(string.Join(" ", renewed.Select(p => $"{p.Key}={p.Value}")));
                Assert.Equal("REBOOT", renewed.GetValueOrDefault("reason"));
                Assert.Equal("192.168.1.100", renewed["new_ip_address"]);
                using var status = again.Status();
                var counters = status.RootElement.GetProperty("lan").GetProperty("dhcp");
                Assert.Equal(0, counters.GetProperty("drops").GetProperty("noRecord").GetInt64());
                Assert.Equal(0, counters.GetProperty("counters").GetProperty("offers").GetInt64());

                // A release frees the lease at once.
                pc1.Release();
                Assert.True(Shell.WaitUntil(() => !LeaseAddresses(again).Contains("192.168.1.100"), TimeSpan.FromSeconds(5)));
            }
            finally
            {
                output.WriteLine("---- appliance after restart ----\n" + again.Log);
                again.Dispose();
            }
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- dhclient ----\n" + pc1.Log + pc2.Log);
            box.Dispose();
        }
    }

    private static List<string?> LeaseAddresses(ApplianceProcess box)
    {
        using var status = box.Status();
        return [.. status.RootElement.GetProperty("lan").GetProperty("dhcp").GetProperty("leases").EnumerateArray()
            .Select(l => l.GetProperty("address").GetString())];
    }
}

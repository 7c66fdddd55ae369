using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Remote access end to end (issue #15): the published box serves strongSwan 5.9.8 road warriors (eap-identity,
/// eap-mschapv2, kernel-libipsec, vips = 0.0.0.0) that trust its CA. Topology: LAN host ─ box ─ router ─ client 1, and
/// client 2 behind the router's NAT (nftables masquerade).
/// </summary>
public sealed class RemoteAccessTests(ITestOutputHelper output) : IDisposable
{
    private const string BoxId = "vpn.example.com", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";
    private const string LanHost = "192.168.1.10", Pool = "10.77.0.0/24";
    private readonly string _dir = Directory.CreateTempSubdirectory("appliance-ra-").FullName;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2? _caCert;

    private X509Certificate2 _ca => _caCert ??= CreateCa();

    private X509Certificate2 CreateCa()
    {
        var req = new CertificateRequest("CN=Office Test CA", _caKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    public void Dispose()
    {
        _caCert?.Dispose();
        _caKey.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    // bob is stored by NT hash only: RFC 2759 §9.2's PasswordHash of "clientPass".
    private const string BobPassword = "clientPass";

    /// <summary>The box's provisioned identity for vpn.example.com (identity/device.key, device.crt, ca.crt).</summary>
    private string ProvisionedState()
    {
        string identity = Path.Combine(_dir, "state", "identity");
        Directory.CreateDirectory(identity);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={BoxId}, O=Example", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(BoxId);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 cert = req.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(identity, "device.key"), key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(Path.Combine(identity, "device.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(identity, "device.crt"), cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(identity, "ca.crt"), _ca.ExportCertificatePem());
        return Path.Combine(_dir, "state");
    }

    private static string BoxSection(string lan = "\"Interface\": \"lan0\"", string extra = "") => $$"""
        {
          "Board": "simulated",
          "Wan": { "Interface": "wan0" },
          "Lan": { {{lan}} },{{extra}}
          "Tunnels": {
            "roadwarriors": {
              "RemoteAddress": "%any", "Auth": "cert", "RemoteAuth": "eap-mschapv2", "Start": "none",
              "LocalTs": [ "192.168.1.0/24" ], "Ike": [ "{{Ike}}" ], "Esp": [ "{{Esp}}" ],
              "Pool": "{{Pool}}", "Dns": [ "192.168.1.1" ], "DnsDomains": [ "office.example" ]
            }
          },
          "Users": {
            "alice": { "Password": "alice's long passphrase" },
            "bob": { "NtHash": "44EBBA8D5312B8D611474411F56989AE" },
            "dave": { "Password": "dave's long passphrase" }
          }
        }
        """;

    private static string ClientConf(string user, string password, string ike = Ike, string esp = Esp, string remoteTs = "192.168.1.0/24") => $$"""
        connections {
          office {
            version = 2
            remote_addrs = 10.99.0.1
            vips = 0.0.0.0
            proposals = {{ike}}
            encap = yes
            dpd_delay = 0
            local {
              auth = eap-mschapv2
              eap_id = {{user}}
              id = {{user}}@example.com
            }
            remote {
              auth = pubkey
              id = {{BoxId}}
            }
            children {
              office {
                remote_ts = {{remoteTs}}
                esp_proposals = {{esp}}
              }
            }
          }
        }
        secrets {
          eap-{{user}} {
            id = {{user}}
            secret = "{{password}}"
          }
        }
        """;

    private StrongSwanPeer Client(string ns, string user, string password, string ike = Ike, string esp = Esp, string remoteTs = "192.168.1.0/24") =>
        new(ns, ClientConf(user, password, ike, esp, remoteTs), dir =>
        {
            Directory.CreateDirectory(Path.Combine(dir, "x509ca"));
            File.WriteAllText(Path.Combine(dir, "x509ca", "ca.pem"), _ca.ExportCertificatePem());
        }, charonSettings: "plugins { resolve { file = " + Path.Combine(_dir, ns + "-resolv.conf") + " } }",
            extraPlugins: "eap-identity eap-mschapv2 gcrypt resolve");

    private sealed class Topology : IDisposable
    {
        /// <param name="thirdClient">Adds client 3, also behind the router's NAT (same public address as client 2).</param>
        public Topology(bool thirdClient = false)
        {
            Net = new Netns("ra");
            Box = Net.Add("box");
            Lan = Net.Add("lan");
            Router = Net.Add("rtr");
            Client1 = Net.Add("c1");
            Client2 = Net.Add("c2");
            Net.Link(Lan, "eth0", LanHost + "/24", Box, "lan0", "192.168.1.1/24");
            Net.Link(Box, "wan0", "10.99.0.1/24", Router, "eth0", "10.99.0.2/24");
            Net.Link(Router, "eth1", "10.98.1.1/24", Client1, "eth0", "10.98.1.2/24");
            Net.Link(Router, "eth2", "10.98.2.1/24", Client2, "eth0", "10.98.2.2/24");
            Shell.Check("ip", "-n", Lan, "route", "add", "default", "via", "192.168.1.1");
            Shell.Check("ip", "-n", Box, "route", "add", "10.98.0.0/16", "via", "10.99.0.2");
            Shell.Check("ip", "-n", Client1, "route", "add", "default", "via", "10.98.1.1");
            Shell.Check("ip", "-n", Client2, "route", "add", "default", "via", "10.98.2.1");
            Netns.Exec(Router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            // Client 2 sits behind a home router: its address is masqueraded to the router's.
            Netns.Exec(Router, "nft", "add table ip nat");
            Netns.Exec(Router, "nft", "add chain ip nat post { type nat hook postrouting priority 100 ; }");
            Netns.Exec(Router, "nft", "add rule ip nat post ip saddr 10.98.2.0/24 oifname eth0 masquerade");
            if (!thirdClient) return;
            Client3 = Net.Add("c3");
            Net.Link(Router, "eth3", "10.98.3.1/24", Client3, "eth0", "10.98.3.2/24");
            Shell.Check("ip", "-n", Client3, "route", "add", "default", "via", "10.98.3.1");
            Netns.Exec(Router, "nft", "add rule ip nat post ip saddr 10.98.3.0/24 oifname eth0 masquerade");
        }

        public string Client3 { get; } = "";

        public Netns Net { get; }
        public string Box { get; }
        public string Lan { get; }
        public string Router { get; }
        public string Client1 { get; }
        public string Client2 { get; }

        public void Dispose() => Net.Dispose();
    }

    private static string VirtualIp(StrongSwanPeer client)
    {
        var m = System.Text.RegularExpressions.Regex.Match(client.ListSas(), @"office: #\d+.*?\n\s+local\s+'[^']+' @ \S+ \[(?<vip>10\.77\.0\.\d+)\]",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        return m.Success ? m.Groups["vip"].Value : "";
    }

    [Fact]
    public async Task Two_clients_one_behind_nat_get_their_virtual_ips_and_dns_and_reach_the_lan_at_once()
    {
        string state = ProvisionedState();
        using var topo = new Topology();
        // DPD after 2 s of silence, 3 quick retransmits: a vanished client is noticed within seconds.
        using var box = new ApplianceProcess(topo.Box, BoxSection(), $"--Appliance:StateDirectory={state}", "--Appliance:Ike:Dpd=00:00:02",
            "--Appliance:Ike:RetransmitTimeout=00:00:01", "--Appliance:Ike:RetransmitTries=3");
        using var alice = Client(topo.Client1, "alice", "alice's long passphrase");
        using var bob = Client(topo.Client2, "bob", BobPassword);
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            var a = alice.TryInitiate("office");
            var b = bob.TryInitiate("office");
            Assert.True(a.ExitCode == 0, a.All);
            Assert.True(b.ExitCode == 0, b.All);
            string vipA = VirtualIp(alice), vipB = VirtualIp(bob);
            output.WriteLine($"alice {vipA}, bob {vipB}");
            Assert.StartsWith("10.77.0.", vipA);
            Assert.StartsWith("10.77.0.", vipB);
            Assert.NotEqual(vipA, vipB);
            Assert.Contains("nameserver 192.168.1.1", File.ReadAllText(Path.Combine(_dir, topo.Client1 + "-resolv.conf")));
            Assert.Contains($"authentication of '{BoxId}' with ECDSA_WITH_SHA256_DER successful", alice.Log);
            Assert.Contains("EAP method EAP_MSCHAPV2 succeeded, MSK established", alice.Log);

            // Both clients ping the LAN host at once, each through its own Child SA.
            var pingA = Task.Run(() => Netns.Try(topo.Client1, "ping", "-c", "10", "-i", "0.2", "-W", "2", LanHost));
            var pingB = Task.Run(() => Netns.Try(topo.Client2, "ping", "-c", "10", "-i", "0.2", "-W", "2", LanHost));
            Shell.Result resultA = await pingA, resultB = await pingB;
            Assert.True(resultA.ExitCode == 0, "alice's ping: " + resultA.All);
            Assert.True(resultB.ExitCode == 0, "bob's ping: " + resultB.All);

            using JsonDocument status = box.Status();
            JsonElement tunnel = status.RootElement.GetProperty("tunnels").EnumerateArray().Single();
            var clients = tunnel.GetProperty("clients").EnumerateArray().ToList();
            Assert.Equal(["alice", "bob"], clients.Select(c => c.GetProperty("user").GetString()).Order());
            Assert.All(clients, c => Assert.True(c.GetProperty("bytesIn").GetInt64() > 0 && c.GetProperty("bytesOut").GetInt64() > 0, c.ToString()));
            JsonElement bobStatus = clients.Single(c => c.GetProperty("user").GetString() == "bob");
            Assert.StartsWith("10.99.0.2[", bobStatus.GetProperty("remote").GetString()); // the NAT's address
            Assert.Equal(vipB, bobStatus.GetProperty("virtualIps")[0].GetString());
            string text = box.StatusText();
            output.WriteLine(text);
            Assert.Contains("roadwarriors: remote access, 2 clients connected", text);
            Assert.DoesNotContain("passphrase", box.Log);

            // Client to client is refused: the box narrowed each client's TSr to the LAN, so the pool is not in alice's
            // policy; what a dishonest client sent anyway would fail the box's inbound selector check (RFC 4301 §5.2).
            Assert.Contains("=== 192.168.1.0/24", alice.Log);
            Assert.DoesNotContain($"=== {Pool}", alice.Log);
            Assert.NotEqual(0, Netns.Try(topo.Client1, "ping", "-c", "2", "-i", "0.2", "-W", "1", vipB).ExitCode);

            // Bob's laptop dies without a DELETE: DPD finds him gone and his address goes back to the pool.
            bob.Dispose();
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("user 'bob' disconnected"), TimeSpan.FromSeconds(30)), box.Log);
            using (JsonDocument later = box.Status())
            {
                var left = later.RootElement.GetProperty("tunnels")[0].GetProperty("clients").EnumerateArray().ToList();
                Assert.Equal("alice", Assert.Single(left).GetProperty("user").GetString());
            }
            Assert.Contains($"{vipB} back in the pool", box.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- alice ----\n" + alice.Log);
            output.WriteLine("---- bob ----\n" + bob.Log);
        }
    }

    [Fact]
    public void A_client_asks_the_boxs_dns_forwarder_and_gets_the_answer_through_its_own_child_sa()
    {
        string state = ProvisionedState();
        using var topo = new Topology();
        // The forwarder on the LAN address (the DNS server the clients are given) asks a resolver beyond the WAN.
        using var resolver = new Dnsmasq(topo.Router, "10.99.0.2", ("intranet.example", "192.168.1.20"));
        using var box = new ApplianceProcess(topo.Box,
            BoxSection("\"Interface\": \"lan0\", \"Address\": \"192.168.1.1/24\"", "\n  \"Dns\": { \"Enabled\": true, \"Upstreams\": [ \"10.99.0.2\" ] },"),
            $"--Appliance:StateDirectory={state}");
        using var alice = Client(topo.Client1, "alice", "alice's long passphrase");
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            var up = alice.TryInitiate("office");
            Assert.True(up.ExitCode == 0, up.All);
            string vip = VirtualIp(alice);
            // The answer leaves the forwarder for an address routed through the data plane, not the LAN: it must come back
            // inside alice's Child SA (before, the LAN-bound socket's reply was lost).
            var dig = Netns.Try(topo.Client1, "dig", "@192.168.1.1", "-b", vip, "+short", "+tries=3", "+time=2", "intranet.example");
            Assert.True(dig.ExitCode == 0 && dig.StdOut.Trim() == "192.168.1.20", dig.All + "\nresolver:\n" + resolver.Log + "\nstatus:\n" + box.Status().RootElement.GetRawText());
            Assert.Contains("query[A] intranet.example from 10.99.0.1", resolver.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- client ----\n" + alice.Log);
        }
    }

    [Fact]
    public void A_client_reaches_hqs_network_through_the_site_tunnel_and_hq_answers_it_through_the_client_sa()
    {
        string state = ProvisionedState();
        using var topo = new Topology();
        // HQ: a strongSwan gateway beyond the router, its network 192.168.2.0/24 (192.168.2.1 on its loopback). The site
        // tunnel's selectors hold the pool on both sides, the remote-access tunnel's LocalTs holds HQ's network.
        string hqNs = topo.Net.Add("hq");
        topo.Net.Link(topo.Router, "eth9", "10.97.0.1/24", hqNs, "eth0", "10.97.0.2/24");
        Shell.Check("ip", "-n", hqNs, "route", "add", "default", "via", "10.97.0.1");
        Shell.Check("ip", "-n", hqNs, "addr", "add", "192.168.2.1/32", "dev", "lo");
        Shell.Check("ip", "-n", topo.Box, "route", "add", "10.97.0.0/24", "via", "10.99.0.2");
        const string SitePsk = "site to site shared secret";
        using var hq = new StrongSwanPeer(hqNs, $$"""
            connections {
              box {
                version = 2
                local_addrs = 10.97.0.2
                remote_addrs = 10.99.0.1
                proposals = {{Ike}}
                dpd_delay = 0
                local { auth = psk
                        id = hq.example.com }
                remote { auth = psk
                         id = branch.example.com }
                children {
                  net { local_ts = 192.168.2.0/24
                        remote_ts = 192.168.1.0/24, {{Pool}}
                        esp_proposals = {{Esp}} }
                }
              }
            }
            secrets { ike-box { id-1 = hq.example.com
                                id-2 = branch.example.com
                                secret = "{{SitePsk}}" } }
            """);
        string section = BoxSection().Replace("\"LocalTs\": [ \"192.168.1.0/24\" ]", "\"LocalTs\": [ \"192.168.1.0/24\", \"192.168.2.0/24\" ]", StringComparison.Ordinal)
            .Replace("\"Tunnels\": {", $$"""
                "Tunnels": {
                    "hq": {
                      "RemoteAddress": "10.97.0.2", "LocalId": "branch.example.com", "RemoteId": "hq.example.com",
                      "Auth": "psk", "Psk": "{{SitePsk}}", "Start": "always",
                      "LocalTs": [ "192.168.1.0/24", "{{Pool}}" ], "RemoteTs": [ "192.168.2.0/24" ],
                      "Ike": [ "{{Ike}}" ], "Esp": [ "{{Esp}}" ]
                    },
                """, StringComparison.Ordinal);
        Assert.Contains("\"hq\": {", section);
        Assert.Contains("\"192.168.2.0/24\" ]", section);
        using var box = new ApplianceProcess(topo.Box, section, $"--Appliance:StateDirectory={state}");
        using var alice = Client(topo.Client1, "alice", "alice's long passphrase", remoteTs: "192.168.1.0/24,192.168.2.0/24");
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), hq.Log);
            var up = alice.TryInitiate("office");
            Assert.True(up.ExitCode == 0, up.All);
            var ping = Netns.Try(topo.Client1, "ping", "-c", "5", "-i", "0.2", "-W", "2", "192.168.2.1");
            Assert.True(ping.ExitCode == 0, ping.All + "\n" + hq.ListSas() + "\n" + box.StatusText());
            // And the office LAN as before.
            Assert.Equal(0, Netns.Try(topo.Client1, "ping", "-c", "2", "-i", "0.2", "-W", "2", LanHost).ExitCode);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- hq ----\n" + hq.Log);
        }
    }

    [Fact]
    public void A_wrong_password_fails_cleanly_and_names_the_user_only()
    {
        string state = ProvisionedState();
        using var topo = new Topology();
        using var box = new ApplianceProcess(topo.Box, BoxSection(), $"--Appliance:StateDirectory={state}");
        using var mallory = Client(topo.Client1, "alice", "a wrong guess");
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            var r = mallory.TryInitiate("office");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("received AUTHENTICATION_FAILED", mallory.Log);
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("login of user 'alice'"), TimeSpan.FromSeconds(5)), box.Log);
            Assert.DoesNotContain("guess", box.Log);
            using JsonDocument status = box.Status();
            JsonElement tunnel = status.RootElement.GetProperty("tunnels").EnumerateArray().Single();
            Assert.Empty(tunnel.GetProperty("clients").EnumerateArray());
            Assert.Equal(1, tunnel.GetProperty("loginFailures").GetProperty("alice").GetInt64());
            Assert.Equal("Up", tunnel.GetProperty("state").GetString()); // one user's typo is no tunnel outage
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- client ----\n" + mallory.Log);
        }
    }

    private static Shell.Result User(ApplianceProcess box, string state, string? stdin, params string[] args) =>
        Shell.Run(ApplianceProcess.Binary, ["user", .. args, "--config", box.ConfigFile, $"--Appliance:StateDirectory={state}"],
            TimeSpan.FromSeconds(30), stdin);

    [Fact]
    public void A_user_added_with_the_cli_logs_in_without_a_restart_and_after_user_del_the_next_login_fails()
    {
        const string CarolPassword = "carol's brand new passphrase";
        string state = ProvisionedState();
        using var topo = new Topology();
        using var box = new ApplianceProcess(topo.Box, BoxSection(), $"--Appliance:StateDirectory={state}");
        using var carol = Client(topo.Client1, "carol", CarolPassword);
        using var carolAgain = Client(topo.Client2, "carol", CarolPassword);
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            // Unknown before: a login fails.
            Assert.NotEqual(0, carolAgain.TryInitiate("office").ExitCode);
            Assert.Contains("received AUTHENTICATION_FAILED", carolAgain.Log);

            // The password comes on standard input (not a terminal), as a provisioning script would pipe it.
            Shell.Result add = User(box, state, CarolPassword + "\n", "add", "carol");
            Assert.True(add.ExitCode == 0, add.All);
            Assert.Contains("user carol added", add.StdOut);
            Assert.DoesNotContain("passphrase", add.All);
            string file = Path.Combine(state, "users.json");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.DoesNotContain("passphrase", File.ReadAllText(file));

            // A name the configuration defines is refused: its password wins at login.
            Shell.Result clash = User(box, state, "x\n", "add", "alice");
            Assert.Equal(1, clash.ExitCode);
            Assert.Contains("'alice' is set in the configuration (Appliance:Users:alice)", clash.StdErr);
            Shell.Result list = User(box, state, null, "list");
            Assert.True(list.ExitCode == 0, list.All);
            Assert.Matches(@"alice\s+configuration", list.StdOut);
            Assert.Matches(@"carol\s+users\.json", list.StdOut);

            var up = carol.TryInitiate("office");
            Assert.True(up.ExitCode == 0, up.All + box.Log);
            Assert.StartsWith("10.77.0.", VirtualIp(carol));
            Assert.Contains("EAP method EAP_MSCHAPV2 succeeded, MSK established", carol.Log);
            // The box's output reaches the test through a pipe: wait for the line rather than race it.
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("remote-access users: 1 in"), TimeSpan.FromSeconds(10)), box.Log);
            Assert.True(Netns.Try(topo.Client1, "ping", "-c", "3", "-i", "0.2", "-W", "2", LanHost).ExitCode == 0);

            Shell.Result del = User(box, state, null, "del", "carol");
            Assert.True(del.ExitCode == 0, del.All);
            Assert.Equal(1, User(box, state, null, "del", "carol").ExitCode); // gone already: said, not silent

            // The next login fails: the service read users.json again, no restart, no message to it.
            var after = carolAgain.TryInitiate("office");
            Assert.NotEqual(0, after.ExitCode);
            Assert.Equal(2, CountOf(carolAgain.Log, "received AUTHENTICATION_FAILED"));
            // The box's output reaches the test through a pipe: wait for the line rather than race it.
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("remote-access users: 0 in"), TimeSpan.FromSeconds(10)), box.Log);
            Assert.DoesNotContain("passphrase", box.Log);
            Assert.False(box.Process.HasExited);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- carol ----\n" + carol.Log);
            output.WriteLine("---- carol again ----\n" + carolAgain.Log);
        }
    }

    /// <summary>A remote-access tunnel with no Ike/Esp of its own: it offers its client profile's proposals.</summary>
    private static string ProfileSection(string? profile) => BoxSection()
        .Replace($"\"Ike\": [ \"{Ike}\" ], \"Esp\": [ \"{Esp}\" ],", profile is null ? "" : $"\"ClientProfile\": \"{profile}\",");

    [Fact]
    public void Windows_stock_proposals_are_refused_by_default_and_served_by_the_weak_profile_which_status_and_log_name()
    {
        // What Windows 10/11's built-in IKEv2 client offers (minus 3DES, which neither end here runs).
        const string WinIke = "aes256-sha1-modp1024", WinEsp = "aes256-sha1";
        string state = ProvisionedState();
        using var topo = new Topology();
        using var windows = Client(topo.Client2, "alice", "alice's long passphrase", WinIke, WinEsp);
        using (var strict = new ApplianceProcess(topo.Box, ProfileSection(null), $"--Appliance:StateDirectory={state}"))
        {
            Assert.True(strict.WaitForControlSocket(TimeSpan.FromSeconds(20)), strict.Log);
            var refused = windows.TryInitiate("office");
            output.WriteLine("---- standard box ----\n" + strict.Log);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("received NO_PROPOSAL_CHOSEN", windows.Log);
        }
        // The strong Windows settings (Set-VpnConnectionIPsecConfiguration ... -DHGroup Group14 -IntegrityCheckMethod SHA256)
        // and the macOS/iOS defaults get in with the standard profile.
        using (var strict = new ApplianceProcess(topo.Box, ProfileSection(null), $"--Appliance:StateDirectory={state}"))
        using (var mac = Client(topo.Client1, "bob", BobPassword, "aes256-sha256-modp2048", "aes256-sha256"))
        {
            Assert.True(strict.WaitForControlSocket(TimeSpan.FromSeconds(20)), strict.Log);
            var up = mac.TryInitiate("office");
            Assert.True(up.ExitCode == 0, up.All + strict.Log);
            Assert.Contains("IKE_SA office[1] established", mac.Log);
            Assert.Contains("AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", mac.ListSas());
            Assert.DoesNotContain("WEAK PROFILE", strict.StatusText());
        }
        using var weak = new ApplianceProcess(topo.Box, ProfileSection("weak-windows-stock"), $"--Appliance:StateDirectory={state}");
        try
        {
            Assert.True(weak.WaitForControlSocket(TimeSpan.FromSeconds(20)), weak.Log);
            var accepted = windows.TryInitiate("office");
            Assert.True(accepted.ExitCode == 0, accepted.All + weak.Log);
            string sas = windows.ListSas();
            Assert.Contains("AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", sas);
            Assert.Contains("AES_CBC-256/HMAC_SHA1_96", sas);
            Assert.True(Netns.Try(topo.Client2, "ping", "-c", "3", "-i", "0.2", "-W", "2", LanHost).ExitCode == 0, weak.Log);

            using JsonDocument status = weak.Status();
            JsonElement client = status.RootElement.GetProperty("tunnels")[0].GetProperty("clients")[0];
            Assert.True(client.GetProperty("weakProfile").GetBoolean());
            Assert.Equal("AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", client.GetProperty("ike").GetString());
            Assert.True(client.GetProperty("bytesIn").GetInt64() > 0);
            Assert.Contains("WEAK PROFILE (Windows stock: AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024)", weak.StatusText());
            Assert.Contains("uses the weak Windows profile (IKE AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024)", weak.Log);
            Assert.Contains("uses the weak Windows profile (ESP AES_CBC-256/HMAC_SHA1_96", weak.Log);
        }
        finally
        {
            output.WriteLine("---- weak box ----\n" + weak.Log);
            output.WriteLine("---- windows-like client ----\n" + windows.Log);
        }
    }

    [Theory]
    [InlineData("\"ClientProfile\": \"weak\",", "Appliance:Tunnels:roadwarriors:ClientProfile: 'weak' is not one of standard, weak-windows-stock")]
    [InlineData("\"Ike\": [ \"aes256-sha1-modp1024\" ],", "Appliance:Tunnels:roadwarriors:Ike:0: 'aes256-sha1-modp1024': SHA-1 and MODP-1024 are refused")]
    [InlineData("\"Esp\": [ \"aes128-sha1\" ],", "Appliance:Tunnels:roadwarriors:Esp:0: 'aes128-sha1': SHA-1 and MODP-1024 are refused")]
    public void A_bad_profile_or_a_weak_proposal_outside_the_profile_stops_the_start_by_key(string setting, string message)
    {
        string config = Path.Combine(_dir, "profile.json");
        File.WriteAllText(config, "{ \"Appliance\": " + ProfileSection(null).Replace("\"Pool\":", setting + " \"Pool\":") + " }");
        var r = Shell.Run(ApplianceProcess.Binary, "check", "--config", config, $"--Appliance:StateDirectory={ProvisionedState()}");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public async Task Three_clients_two_behind_one_nat_connect_at_once_get_distinct_addresses_and_all_ping_the_lan()
    {
        string state = ProvisionedState();
        using var topo = new Topology(thirdClient: true);
        using var box = new ApplianceProcess(topo.Box, BoxSection(), $"--Appliance:StateDirectory={state}");
        using var alice = Client(topo.Client1, "alice", "alice's long passphrase");
        using var bob = Client(topo.Client2, "bob", BobPassword);
        using var dave = Client(topo.Client3, "dave", "dave's long passphrase");
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), box.Log);
            // All three sign in at the same moment: three IKE SAs in IKE_AUTH's EAP round trips side by side.
            var logins = new[] { alice, bob, dave }.Select(c => Task.Run(() => c.TryInitiate("office"))).ToArray();
            Shell.Result[] results = await Task.WhenAll(logins);
            foreach (Shell.Result r in results) Assert.True(r.ExitCode == 0, r.All + box.Log);
            string[] vips = [VirtualIp(alice), VirtualIp(bob), VirtualIp(dave)];
            output.WriteLine("virtual IPs: " + string.Join(", ", vips));
            Assert.All(vips, v => Assert.StartsWith("10.77.0.", v));
            Assert.Equal(3, vips.Distinct().Count());

            string[] nss = [topo.Client1, topo.Client2, topo.Client3];
            var pings = nss.Select(ns => Task.Run(() => Netns.Try(ns, "ping", "-c", "10", "-i", "0.2", "-W", "2", LanHost))).ToArray();
            Shell.Result[] pinged = await Task.WhenAll(pings);
            for (int i = 0; i < 3; i++) Assert.True(pinged[i].ExitCode == 0, $"{nss[i]}: {pinged[i].All}");

            using JsonDocument status = box.Status();
            var clients = status.RootElement.GetProperty("tunnels")[0].GetProperty("clients").EnumerateArray().ToList();
            Assert.Equal(["alice", "bob", "dave"], clients.Select(c => c.GetProperty("user").GetString()).Order());
            Assert.All(clients, c => Assert.True(c.GetProperty("bytesIn").GetInt64() > 0 && c.GetProperty("bytesOut").GetInt64() > 0, c.ToString()));
            // Bob and dave share the NAT's public address and differ by port; each has its own virtual IP and SAs.
            string[] natted = [.. clients.Where(c => c.GetProperty("user").GetString() is "bob" or "dave").Select(c => c.GetProperty("remote").GetString()!)];
            Assert.All(natted, r => Assert.StartsWith("10.99.0.2[", r));
            Assert.NotEqual(natted[0], natted[1]);
            Assert.Contains("roadwarriors: remote access, 3 clients connected", box.StatusText());
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}

using Appliance.Integration.Tests.Harness;

namespace Appliance.Integration.Tests;

/// <summary>The shipped binary's verbs: bad configuration named by key, console ownership at boot, self-test.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("appliance-cli-").FullName;

    private string Config(string applianceSection)
    {
        string path = Path.Combine(_dir, "appliance.json");
        File.WriteAllText(path, "{ \"Appliance\": " + applianceSection + " }");
        return path;
    }

    private static string ValidSection(string state) => HqTopology.BoxConfig("aes256gcm16-prfsha256-curve25519", "aes256gcm16", "s3cret")
        .Replace("\"Board\": \"simulated\",", $"\"Board\": \"simulated\", \"StateDirectory\": \"{state}\",");

    [Fact]
    public void BadConfiguration_ExitsWithExConfig_AndNamesEveryBadKey()
    {
        string bad = ValidSection(Path.Combine(_dir, "state"))
            .Replace("\"10.99.0.2\"", "\"10.99.0.999\"")
            .Replace("\"192.168.2.0/24\"", "\"192.168.2.0/33\"")
            .Replace("aes256gcm16-prfsha256-curve25519", "aes256gcm16-prfsha256-curve99999");
        // A datagram size too small for any IKE message, given as an override like any other key.
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config(bad), "--Appliance:Ike:FragmentSize=100", "--Appliance:Wan:Mtu=100");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:RemoteAddress", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:RemoteTs:0", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:Ike:0", r.StdErr);
        Assert.Contains("Appliance:Ike:FragmentSize", r.StdErr);
        Assert.Contains("Appliance:Wan:Mtu: 100 is outside 576..9216", r.StdErr);
        Assert.DoesNotContain("s3cret", r.All);
    }

    [Theory]
    [InlineData("--Appliance:Lan:Address=192.168.1.0/24", "Appliance:Lan:Address: '192.168.1.0/24' is the network or broadcast address")]
    [InlineData("--Appliance:Lan:Address=192.168.1.255/24", "Appliance:Lan:Address: '192.168.1.255/24' is the network or broadcast address")]
    [InlineData("--Appliance:Lan:Address=192.168.1.1", "Appliance:Lan:Address: '192.168.1.1' is not an IPv4 address with a prefix length")]
    [InlineData("--Appliance:Lan:Address=fd00::1/64", "Appliance:Lan:Address: 'fd00::1/64' is not an IPv4 address")]
    [InlineData("--Appliance:Lan:Address6=192.168.1.1/24", "Appliance:Lan:Address6: '192.168.1.1/24' is not a global or unique-local IPv6 address")]
    [InlineData("--Appliance:Lan:Address6=fe80::1/64", "Appliance:Lan:Address6: 'fe80::1/64' is not a global or unique-local IPv6 address")]
    [InlineData("--Appliance:Wan:Address6=2001:db8::1/64", "Appliance:Wan:Address6: only the LAN has an IPv6 address setting")]
    public void A_bad_LAN_address_is_named_by_its_key(string setting, string message)
    {
        var r = Shell.Run(ApplianceProcess.Binary, "check", "--config", Config(ValidSection(Path.Combine(_dir, "state"))), setting);
        Assert.Equal(78, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public void A_good_LAN_address_passes_the_check()
    {
        var r = Shell.Run(ApplianceProcess.Binary, "check", "--config", Config(ValidSection(Path.Combine(_dir, "state"))),
            "--Appliance:Lan:Address=192.168.1.1/24", "--Appliance:Lan:Address6=fd00:1::1/64");
        Assert.True(r.ExitCode == 0, r.All);
    }

    [Fact]
    public void Ipv6OnTheWan_IsAConfigurationError_NotASilentFailure()
    {
        // IKE binds the WAN's IPv4 address: an IPv6 peer would only ever see "send failed" in the log.
        string v6 = ValidSection(Path.Combine(_dir, "state")).Replace("\"10.99.0.2\"", "\"2001:db8::2\"");
        Assert.Contains("2001:db8::2", v6);
        var r = Shell.Run(ApplianceProcess.Binary, "check", "--config", Config(v6), "--Appliance:Wan:Address=2001:db8::1");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:RemoteAddress: '2001:db8::2' is IPv6", r.StdErr);
        Assert.Contains("Appliance:Wan:Address: '2001:db8::1' is IPv6", r.StdErr);
    }

    [Fact]
    public void EspAndAhTogether_AndAhOverUdp_AreConfigurationErrors_ByKey()
    {
        // A Child SA is ESP or AH (one protocol, as strongSwan); RFC 3948 UDP-encapsulates ESP only.
        string both = ValidSection(Path.Combine(_dir, "state"))
            .Replace("\"Esp\": [ \"aes256gcm16\" ]", "\"Esp\": [ \"aes256gcm16\" ], \"Ah\": [ \"sha256\" ]")
            .Replace("\"Encapsulation\": \"auto\"", "\"Encapsulation\": \"udp\"");
        Assert.Contains("\"Ah\": [ \"sha256\" ]", both);
        Assert.Contains("\"Encapsulation\": \"udp\"", both);
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config(both));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:Ah: set Esp or Ah, not both", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:Encapsulation", r.StdErr);
        Assert.DoesNotContain("Unhandled exception", r.All);
    }

    [Fact]
    public void ContradictoryLifetimes_AreConfigurationErrors_NamedByKey()
    {
        string bad = ValidSection(Path.Combine(_dir, "state")).Replace("\"Start\": ", "\"RekeyTime\": \"00:10:00\", \"LifeTime\": \"00:05:00\", " +
            "\"RekeyBytes\": 1000000, \"LifeBytes\": 500000, \"RekeyPackets\": -1, \"Inactivity\": \"-00:00:05\", \"Start\": ");
        Assert.Contains("\"LifeBytes\": 500000", bad);
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config(bad));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:LifeTime", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:LifeBytes", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:RekeyPackets", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:Inactivity", r.StdErr);
        Assert.DoesNotContain("Unhandled exception", r.All);
    }

    [Fact]
    public void BadAhProposal_IsNamedByKey()
    {
        string bad = ValidSection(Path.Combine(_dir, "state")).Replace("\"Esp\": [ \"aes256gcm16\" ]", "\"Esp\": [], \"Ah\": [ \"aes128-sha256\" ]");
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config(bad));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:Ah:0", r.StdErr);
        Assert.DoesNotContain("Appliance:Tunnels:hq:Esp", r.StdErr); // an AH-only tunnel needs no ESP proposal
    }

    /// <summary>
    /// Every key factory provisioning may write, with a value its schema accepts, is accepted by the service too:
    /// a provisioned box must never be stopped at start by its own settings.
    /// </summary>
    [Fact]
    public void EverySettingProvisioningAccepts_PassesTheServicesCheck()
    {
        string state = Path.Combine(_dir, "state");
        Directory.CreateDirectory(state);
        var settings = new Dictionary<string, string>
        {
            ["Appliance:Board"] = "simulated",
            ["Appliance:Wan:Interface"] = "wan0",
            ["Appliance:Wan:Mtu"] = "1492",
            ["Appliance:Lan:Interface"] = "lan0",
            ["Appliance:Ike:RekeyTime"] = "02:00:00",
            ["Appliance:Ike:IkeRekeyTime"] = "06:00:00",
            ["Appliance:Ike:Dpd"] = "00:00:20",
            ["Appliance:Ike:Fragmentation"] = "true",
            ["Appliance:Ike:FragmentSize"] = "1200",
            ["Appliance:Tunnels:hq:RemoteAddress"] = "10.99.0.2",
            ["Appliance:Tunnels:hq:LocalId"] = "branch1.example.com",
            ["Appliance:Tunnels:hq:RemoteId"] = "hq.example.com",
            ["Appliance:Tunnels:hq:Auth"] = "psk",
            ["Appliance:Tunnels:hq:Psk"] = "s3cret",
            ["Appliance:Tunnels:hq:LocalTs:0"] = "192.168.1.0/24",
            ["Appliance:Tunnels:hq:RemoteTs:0"] = "192.168.2.0/24",
            ["Appliance:Tunnels:hq:Bypass:0"] = "192.168.2.50/32",
            ["Appliance:Tunnels:hq:Ike:0"] = "aes256gcm16-prfsha256-curve25519",
            ["Appliance:Tunnels:hq:Esp:0"] = "aes256gcm16",
            ["Appliance:Tunnels:hq:Start"] = "trap",
            ["Appliance:Tunnels:hq:Mode"] = "tunnel",
            ["Appliance:Tunnels:hq:Encapsulation"] = "udp",
            ["Appliance:Tunnels:hq:DpdAction"] = "restart",
            ["Appliance:Tunnels:hq:RekeyTime"] = "00:30:00",
            ["Appliance:Tunnels:hq:LifeTime"] = "00:40:00",
            ["Appliance:Tunnels:hq:IkeRekeyTime"] = "04:00:00",
            ["Appliance:Tunnels:hq:IkeLifeTime"] = "04:30:00",
            ["Appliance:Tunnels:hq:Inactivity"] = "00:15:00",
            ["Appliance:Tunnels:hq:RekeyBytes"] = "500000000",
            ["Appliance:Tunnels:hq:LifeBytes"] = "600000000",
            ["Appliance:Tunnels:hq:RekeyPackets"] = "1000000",
            ["Appliance:Tunnels:hq:LifePackets"] = "1200000",
        };
        foreach (var (key, value) in settings)
        {
            Assert.True(Appliance.Provisioning.SettingsSchema.TryResolve(key, out var resolved, out _), key);
            Assert.Null(Appliance.Provisioning.SettingsSchema.ValidateValue(resolved.Canonical, value));
        }
        // Provisioning stores them as config.json in the state directory; the service layers it over the file.
        File.WriteAllText(Path.Combine(state, "config.json"), Appliance.Provisioning.SettingsDocument.ToJson(settings));
        var r = Shell.Run(ApplianceProcess.Binary, "check", "--config", Config("{ \"StateDirectory\": \"" + state + "\" }"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("configuration OK", r.StdOut);
        Assert.DoesNotContain("s3cret", r.All);

        // And check names a bad key exactly as run does.
        var bad = Shell.Run(ApplianceProcess.Binary, "check", "--config", Config("{ \"StateDirectory\": \"" + state + "\" }"),
            "--Appliance:Tunnels:hq:LifeTime=00:10:00");
        Assert.Equal(78, bad.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:LifeTime", bad.StdErr);
    }

    [Fact]
    public void MalformedJson_IsAClearError_NotACrash()
    {
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config("{ \"Board\": "));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("configuration error", r.StdErr);
        Assert.DoesNotContain("Unhandled exception", r.All);
    }

    [Fact]
    public void MissingConfigFile_IsAClearError()
    {
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Path.Combine(_dir, "nope.json"));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("does not exist", r.StdErr);
    }

    [Fact]
    public void ConsoleSelect_GivesTheConsoleToProvisioningUntilLocked()
    {
        string state = Path.Combine(_dir, "state");
        string config = Config(ValidSection(state));
        string flag = Path.Combine(_dir, "run", "provisioning-mode");
        string unlocked = Shell.Check(ApplianceProcess.Binary, "console-select", "--config", config, "--flag", flag);
        Assert.Contains("console: provisioning (locked: no, button held: no)", unlocked);
        Assert.False(File.Exists(flag));
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, "provisioning.lock"), "locked\n");
        string locked = Shell.Check(ApplianceProcess.Binary, "console-select", "--config", config, "--flag", flag);
        Assert.Contains("console: login (locked: yes, button held: no)", locked);
    }

    [Fact]
    public void SelfTest_PassesInThePublishedBinary()
    {
        var r = Shell.Run(ApplianceProcess.Binary, "selftest");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"selftest: \d+ passed, 0 failed", r.StdOut);
        Assert.Contains("RFC 7634", r.StdOut);
    }

    [Fact]
    public void Status_WithoutARunningService_SaysSo()
    {
        var r = Shell.Run(ApplianceProcess.Binary, "status", "--socket", Path.Combine(_dir, "none.sock"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot reach the service", r.StdErr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

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
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", Config(bad));
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:RemoteAddress", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:RemoteTs:0", r.StdErr);
        Assert.Contains("Appliance:Tunnels:hq:Ike:0", r.StdErr);
        Assert.DoesNotContain("s3cret", r.All);
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

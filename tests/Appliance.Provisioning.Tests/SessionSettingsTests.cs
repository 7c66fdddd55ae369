using System.Text.Json.Nodes;
using Appliance.Common;

namespace Appliance.Provisioning.Tests;

public class SessionSettingsTests
{
    internal const string Psk = "a shared secret";

    internal static readonly string[] HqTunnel =
    [
        "SET Appliance:Board simulated",
        "SET Appliance:Wan:Interface wan0",
        "SET Appliance:Lan:Interface lan0",
        "SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.2",
        "SET Appliance:Tunnels:hq:LocalId branch1.example.com",
        "SET Appliance:Tunnels:hq:RemoteId hq.example.com",
        "SET Appliance:Tunnels:hq:Auth psk",
        "SET Appliance:Tunnels:hq:Psk " + Psk,
        "SET Appliance:Tunnels:hq:LocalTs 192.168.1.0/24",
        "SET Appliance:Tunnels:hq:RemoteTs 192.168.2.0/24,10.20.0.0/16",
        "SET Appliance:Tunnels:hq:Ike aes256gcm16-prfsha256-curve25519",
        "SET Appliance:Tunnels:hq:Esp aes256gcm16",
        "SET Appliance:Tunnels:hq:Start always",
        "SET Appliance:Tunnels:hq:Mode tunnel",
        "SET Appliance:Tunnels:hq:Encapsulation auto",
    ];

    internal static async Task StageHqAsync(ProvisioningSession session)
    {
        foreach (string line in HqTunnel)
            Assert.StartsWith("OK staged", await session.SendAsync(line));
    }

    [Fact]
    public async Task Hello_AnswersTheVersionedBanner()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal(["APPLIANCE-PROVISION 1 APL-0001 0.1.0"], session.Connect());
        Assert.Equal("OK APPLIANCE-PROVISION 1 APL-0001 0.1.0", await session.SendAsync("hello"));
    }

    [Fact]
    public async Task Commit_WritesTheFactoryConfigurationAsServiceJson()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        Assert.Equal("OK committed 16 setting(s)", await session.SendAsync("COMMIT"));

        JsonNode root = JsonNode.Parse(File.ReadAllText(box.Layout.FactoryConfig))!;
        JsonNode hq = root["Appliance"]!["Tunnels"]!["hq"]!;
        Assert.Equal("wan0", (string?)root["Appliance"]!["Wan"]!["Interface"]);
        Assert.Equal("10.99.0.2", (string?)hq["RemoteAddress"]);
        Assert.Equal(Psk, (string?)hq["Psk"]);
        Assert.Equal(["192.168.2.0/24", "10.20.0.0/16"], hq["RemoteTs"]!.AsArray().Select(n => (string?)n));
        // factory.json holds the PSK: owner-only.
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(box.Layout.FactoryConfig));
        box.Logger.AssertNoneContains(Psk);
    }

    [Fact]
    public async Task Get_ReadsStagedValues_SecretsOnlyAsSetOrUnset()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal("OK <unset>", await session.SendAsync("GET Appliance:Tunnels:hq:Psk"));
        await StageHqAsync(session);
        Assert.Equal("OK <set>", await session.SendAsync("GET Appliance:Tunnels:hq:Psk"));
        Assert.Equal("OK 10.99.0.2", await session.SendAsync("GET appliance:tunnels:hq:remoteaddress"));
        Assert.Equal("OK 192.168.2.0/24,10.20.0.0/16", await session.SendAsync("GET Appliance:Tunnels:hq:RemoteTs"));
        Assert.Equal("OK 10.20.0.0/16", await session.SendAsync("GET Appliance:Tunnels:hq:RemoteTs:1"));
        Assert.Equal("ERR 404 Appliance:KeyLog not set", await session.SendAsync("GET Appliance:KeyLog"));
    }

    [Fact]
    public async Task Set_RefusesUnknownKeysAndBadValues_WithoutEchoingThem()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal("ERR 404 unknown key", await session.SendAsync("SET Appliance:Tunnels:hq:Psk=hunter2 x"));
        Assert.Equal("ERR 422 Appliance:Tunnels:hq:RemoteAddress: not an IP address, a host name or a comma-separated list of them",
            await session.SendAsync("SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.999"));
        Assert.Equal("ERR 422 Appliance:Tunnels:hq:LocalTs:1: not a CIDR (address/prefix, host bits zero)",
            await session.SendAsync("SET Appliance:Tunnels:hq:LocalTs 10.0.0.0/8,10.0.0.1/8"));
        Assert.Equal("ERR 400 SET needs a value (UNSET removes a key)", await session.SendAsync("SET Appliance:Board"));
        Assert.Equal("ERR 400 unknown command (try HELP)", await session.SendAsync("SETT Appliance:Tunnels:hq:Psk hunter2"));
        box.Logger.AssertNoneContains("hunter2");
    }

    [Fact]
    public async Task Commit_NamesTheInvalidSetting_AndWritesNothing()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        await session.SendAsync("UNSET Appliance:Tunnels:hq:Psk");
        await session.SendAsync("UNSET Appliance:Tunnels:hq:Esp");
        IReadOnlyList<string> reply = await session.HandleLineAsync("COMMIT");
        Assert.Equal("ERR 422 Appliance:Tunnels:hq:Psk: Auth psk needs Psk or PskFile", reply[^1]);
        Assert.Contains("invalid Appliance:Tunnels:hq:Esp: must not be empty", reply);
        Assert.False(File.Exists(box.Layout.FactoryConfig));
    }

    [Fact]
    public async Task Commit_TakesAnAhTunnel_AndRefusesEspAndAhTogether()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        Assert.StartsWith("OK staged", await session.SendAsync("SET Appliance:Tunnels:hq:Ah sha256"));
        IReadOnlyList<string> both = await session.HandleLineAsync("COMMIT");
        Assert.Contains("set Esp or Ah, not both", both[^1]);
        Assert.False(File.Exists(box.Layout.FactoryConfig));

        await session.SendAsync("UNSET Appliance:Tunnels:hq:Esp");
        IReadOnlyList<string> ah = await session.HandleLineAsync("COMMIT");
        Assert.StartsWith("OK", ah[^1]);
        Assert.Contains("\"Ah\"", File.ReadAllText(box.Layout.FactoryConfig));
    }

    [Fact]
    public async Task Commit_NamesAnInvalidValueLeftInStorage()
    {
        using var box = new TestBox();
        File.WriteAllText(box.Layout.FactoryConfig, """{ "Appliance": { "Wan": { "Interface": "wan0" }, "Lan": { "Colour": "blue" } } }""");
        var session = box.NewSession();
        Assert.Equal("ERR 422 Appliance:Lan:Colour: unknown key", await session.SendAsync("COMMIT"));
    }

    [Fact]
    public async Task AuthCert_NeedsKeyAndCertificate()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        await session.SendAsync("SET Appliance:Tunnels:hq:Auth cert");
        await session.SendAsync("UNSET Appliance:Tunnels:hq:Psk");
        Assert.Equal("ERR 422 Appliance:Tunnels:hq:Auth: Auth cert needs a device key (KEYGEN)", await session.SendAsync("COMMIT"));
        await session.SendAsync("KEYGEN");
        Assert.Equal("ERR 422 Appliance:Tunnels:hq:Auth: Auth cert needs a device certificate (CERT)", await session.SendAsync("COMMIT"));
    }

    [Fact]
    public async Task Abort_DropsStagedChanges_CommittedStay()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        await session.SendAsync("COMMIT");
        string committed = File.ReadAllText(box.Layout.FactoryConfig);
        await session.SendAsync("SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.3");
        await session.SendAsync("UNSET Appliance:Board");
        Assert.Equal("OK aborted 2 change(s)", await session.SendAsync("ABORT"));
        Assert.Equal("OK 10.99.0.2", await session.SendAsync("GET Appliance:Tunnels:hq:RemoteAddress"));
        Assert.Equal("OK simulated", await session.SendAsync("GET Appliance:Board"));
        Assert.Equal(committed, File.ReadAllText(box.Layout.FactoryConfig));
    }

    [Fact]
    public async Task NewSession_StartsFromTheCommittedConfiguration()
    {
        using var box = new TestBox();
        var first = box.NewSession();
        await StageHqAsync(first);
        await first.SendAsync("COMMIT");
        var second = box.NewSession();
        Assert.Equal("OK aes256gcm16", await second.SendAsync("GET Appliance:Tunnels:hq:Esp:0"));
        Assert.Contains("pending-changes: 0", await second.HandleLineAsync("INFO"));
    }

    [Theory]
    [InlineData("written")]
    [InlineData("synced")]
    [InlineData("renamed")]
    public async Task CrashDuringCommit_LeavesOldOrNewConfiguration_NeverAMix(string crashPoint)
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await StageHqAsync(session);
        await session.SendAsync("COMMIT");
        string before = File.ReadAllText(box.Layout.FactoryConfig);
        await session.SendAsync("SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.3");
        await session.SendAsync("SET Appliance:Tunnels:hq:LocalTs 192.168.10.0/24,192.168.11.0/24,192.168.12.0/24");

        AtomicFile.CrashPoint = step => { if (step == crashPoint) throw new IOException("simulated power cut at " + step); };
        IReadOnlyList<string> reply = await session.HandleLineAsync("COMMIT");
        AtomicFile.CrashPoint = null;

        Assert.Equal("ERR 500 internal error: IOException", reply[^1]);
        string after = File.ReadAllText(box.Layout.FactoryConfig);
        var reopened = box.NewSession(); // what the box sees after the reboot
        string address = (await reopened.SendAsync("GET Appliance:Tunnels:hq:RemoteAddress"))[3..];
        if (crashPoint == "renamed")
        {
            Assert.NotEqual(before, after);
            Assert.Equal("10.99.0.3", address);
        }
        else
        {
            Assert.Equal(before, after);
            Assert.Equal("10.99.0.2", address);
        }
        // Only whole documents: the file parses and no temporary is left once a store reopens.
        JsonNode.Parse(after);
        _ = new FileProvisioningStore(box.Layout);
        Assert.Empty(Directory.EnumerateFiles(box.Root, ".*.tmp"));
        // The session survives and a retried COMMIT lands.
        Assert.StartsWith("OK committed", await session.SendAsync("COMMIT"));
        Assert.Equal("OK 10.99.0.3", await box.NewSession().SendAsync("GET Appliance:Tunnels:hq:RemoteAddress"));
    }
}

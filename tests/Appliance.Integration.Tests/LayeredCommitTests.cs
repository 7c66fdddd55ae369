using Appliance.Common;
using Appliance.Configuration;
using Appliance.Integration.Tests.Harness;
using Appliance.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Factory provisioning's COMMIT judges the configuration the service will run: the image's file, the staged factory
/// layer and the operator's config.json together, as `appliance check` does (no root needed).
/// </summary>
public sealed class LayeredCommitTests : IDisposable
{
    private const string Psk = "per-unit secret 7f3a";
    private readonly string _dir = Directory.CreateTempSubdirectory("appliance-commit-").FullName;
    private readonly string _state;

    public LayeredCommitTests() => _state = Path.Combine(_dir, "state");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private sealed class NoHardware : IProvisioningHardware
    {
        public string SerialNumber => "APL-0042";
        public string BoardName => "simulated";
        public IReadOnlyList<(string Nic, string Mac)> Macs => [];
        public Task WalkLedsAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<bool> WaitForButtonAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);
        public IReadOnlyList<(string Name, bool Passed)> RunCryptoSelfTest() => [];
    }

    /// <summary>The image's configuration file: tunnel hq complete but for the per-unit PSK.</summary>
    private string ImageConfig(string? dropKey = null)
    {
        string section = HqTopology.BoxConfig("aes256gcm16-prfsha256-curve25519", "aes256gcm16", "placeholder")
            .Replace("\"Board\": \"simulated\",", $"\"Board\": \"simulated\", \"StateDirectory\": \"{_state}\",")
            .Replace("\"Psk\": \"placeholder\",", "")
            .Replace("\"Psk\": \"placeholder\"", "\"Auth\": \"psk\"");
        Assert.DoesNotContain("placeholder", section);
        if (dropKey is not null)
        {
            int start = section.IndexOf($"\"{dropKey}\":", StringComparison.Ordinal);
            Assert.True(start >= 0, dropKey);
            int end = section.IndexOf(',', start);
            section = section[..start] + section[(end + 1)..];
        }
        string path = Path.Combine(_dir, "appliance.json");
        File.WriteAllText(path, "{ \"Appliance\": " + section + " }");
        return path;
    }

    private ProvisioningSession Session(string configFile) =>
        new(new NoHardware(), new FileProvisioningStore(new StateLayout(_state)),
            new ProvisioningSessionOptions { FirmwareVersion = "test", LayeredCheck = new LayeredConfigurationCheck(configFile, []) },
            TimeProvider.System, NullLogger.Instance);

    private static async Task<IReadOnlyList<string>> Send(ProvisioningSession session, params string[] lines)
    {
        var all = new List<string>();
        foreach (string line in lines) all.AddRange(await session.HandleLineAsync(line));
        return all;
    }

    [Fact]
    public async Task Staging_only_the_per_unit_psk_over_the_images_tunnel_commits_and_the_service_config_checks()
    {
        string config = ImageConfig();
        Assert.DoesNotContain("\"Psk\"", File.ReadAllText(config));
        // Without the PSK the image's tunnel is incomplete: `appliance check` says so.
        var before = Shell.Run(ApplianceProcess.Binary, "check", "--config", config);
        Assert.Equal(78, before.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:Psk", before.StdErr);

        var session = Session(config);
        var reply = await Send(session, "SET Appliance:Tunnels:hq:Psk " + Psk, "COMMIT");
        Assert.StartsWith("OK committed 1 setting", reply[^1]);
        Assert.True(File.Exists(new StateLayout(_state).FactoryConfig));

        var after = Shell.Run(ApplianceProcess.Binary, "check", "--config", config);
        Assert.True(after.ExitCode == 0, after.All);
        Assert.Contains("configuration OK", after.StdOut);
        Assert.DoesNotContain(Psk, after.All);
    }

    [Fact]
    public async Task A_tunnel_incomplete_in_every_layer_is_refused_by_its_key()
    {
        var session = Session(ImageConfig(dropKey: "RemoteAddress"));
        var reply = await Send(session, "SET Appliance:Tunnels:hq:Psk " + Psk, "COMMIT");
        Assert.StartsWith("ERR 422 Appliance:Tunnels:hq:RemoteAddress: required", reply[^1]);
        Assert.False(File.Exists(new StateLayout(_state).FactoryConfig));
        Assert.DoesNotContain(reply, l => l.Contains(Psk, StringComparison.Ordinal));

        // Staging the missing key makes the whole valid.
        reply = await Send(session, "SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.2", "COMMIT");
        Assert.StartsWith("OK committed 2 setting", reply[^1]);
    }

    [Fact]
    public async Task The_operators_overlay_above_the_factory_layer_is_judged_too()
    {
        string config = ImageConfig();
        Directory.CreateDirectory(_state);
        // config.json wins over factory.json: a bad value there would stop the service whatever the station commits.
        File.WriteAllText(new StateLayout(_state).UserConfig, "{ \"Appliance\": { \"Tunnels\": { \"hq\": { \"RemoteTs\": [ \"192.168.2.0/33\" ] } } } }");
        var reply = await Send(Session(config), "SET Appliance:Tunnels:hq:Psk " + Psk, "COMMIT");
        Assert.StartsWith("ERR 422 Appliance:Tunnels:hq:RemoteTs:0", reply[^1]);
    }

    [Fact]
    public async Task A_malformed_value_is_refused_at_SET_and_a_bad_combination_across_layers_at_COMMIT()
    {
        var session = Session(ImageConfig());
        var set = await session.HandleLineAsync("SET Appliance:Tunnels:hq:Start sometimes");
        Assert.StartsWith("ERR", set[^1]);
        Assert.Contains("Appliance:Tunnels:hq:Start", set[^1]);
        // Each value is fine alone; with the image's Start "always" a responder-only peer cannot work.
        var reply = await Send(session, "SET Appliance:Tunnels:hq:Psk " + Psk, "SET Appliance:Tunnels:hq:RemoteAddress %any", "COMMIT");
        Assert.StartsWith("ERR 422 Appliance:Tunnels:hq:Start: 'always' needs a RemoteAddress", reply[^1]);
    }
}

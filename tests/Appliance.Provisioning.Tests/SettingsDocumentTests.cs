using System.Text.Json.Nodes;

namespace Appliance.Provisioning.Tests;

public class SettingsDocumentTests
{
    // The service configuration example from issue 7.
    internal const string ExampleConfiguration = """
        { "Appliance": { "Board": "simulated", "Wan": { "Interface": "wan0" }, "Lan": { "Interface": "lan0" },
          "StateDirectory": "/var/lib/appliance", "KeyLog": null, "Console": { "Device": "/dev/serial0" },
          "Tunnels": { "hq": { "RemoteAddress": "10.99.0.2", "LocalId": "branch1.example.com", "RemoteId": "hq.example.com",
              "Auth": "psk", "Psk": "a shared secret", "PskFile": null, "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "192.168.2.0/24" ],
              "Ike": [ "aes256gcm16-prfsha256-curve25519" ], "Esp": [ "aes256gcm16" ], "Start": "always", "Mode": "tunnel",
              "Encapsulation": "auto" } } } }
        """;

    [Fact]
    public void Flatten_UsesColonKeysAndIndexSegments()
    {
        var flat = SettingsDocument.Flatten(ExampleConfiguration).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("wan0", flat["Appliance:Wan:Interface"]);
        Assert.Equal("192.168.1.0/24", flat["Appliance:Tunnels:hq:LocalTs:0"]);
        Assert.Null(flat["Appliance:KeyLog"]);
        Assert.Equal(19, flat.Count);
    }

    [Fact]
    public void ToJson_RoundTripsAndBuildsArrays()
    {
        var settings = SettingsDocument.Flatten(ExampleConfiguration)
            .Where(kv => kv.Value is not null)
            .Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value!))
            .ToList();
        string json = SettingsDocument.ToJson(settings);
        JsonNode root = JsonNode.Parse(json)!;
        Assert.Equal("10.99.0.2", (string?)root["Appliance"]!["Tunnels"]!["hq"]!["RemoteAddress"]);
        Assert.IsType<JsonArray>(root["Appliance"]!["Tunnels"]!["hq"]!["Esp"]);
        var again = SettingsDocument.Flatten(json).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(settings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), again);
    }

    [Fact]
    public void ToJson_OrdersIndicesNumericallyAndClosesGaps()
    {
        string json = SettingsDocument.ToJson([
            new("Appliance:Tunnels:a:Esp:10", "third"),
            new("Appliance:Tunnels:a:Esp:2", "second"),
            new("Appliance:Tunnels:a:Esp:0", "first"),
        ]);
        var array = JsonNode.Parse(json)!["Appliance"]!["Tunnels"]!["a"]!["Esp"]!.AsArray();
        Assert.Equal(["first", "second", "third"], array.Select(n => (string?)n));
    }

    [Fact]
    public void Flatten_RefusesNonObjects() =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => SettingsDocument.Flatten("[1,2]"));
}

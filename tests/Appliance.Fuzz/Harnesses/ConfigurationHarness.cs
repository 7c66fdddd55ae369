using System.Text;
using Appliance.Configuration;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// Configuration from JSON as provisioning's COMMIT and `appliance check` judge it: the bytes are the factory layer
/// over a fixed base file, bound with the service's source-generated binder and checked by ApplianceOptionsValidator
/// (LayeredConfigurationCheck). Documented rejections are the SettingError list it returns; an exception is a finding.
/// </summary>
public sealed class ConfigurationHarness : IHarness
{
    private static readonly Lazy<LayeredConfigurationCheck> Check = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("fz-config-").FullName;
        string baseFile = Path.Combine(root, "appliance.json");
        File.WriteAllText(baseFile, $$"""
            { "Appliance": { "Board": "simulated", "StateDirectory": "{{Path.Combine(root, "state")}}",
              "Wan": { "Interface": "wan0" }, "Lan": { "Interface": "lan0" } } }
            """);
        return new LayeredConfigurationCheck(baseFile, []);
    });

    public string Name => "config-json";
    public string Description => "factory-layer JSON -> layered configuration, binder, ApplianceOptionsValidator";

    public void Run(ReadOnlySpan<byte> input)
    {
        string json;
        try { json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(input); }
        catch (DecoderFallbackException) { return; } // the console's SET lines are ASCII; COMMIT never builds invalid UTF-8
        Check.Value.Check(json);
    }

    public IEnumerable<byte[]> Seeds()
    {
        yield return Encoding.UTF8.GetBytes("""
            { "Appliance": { "Lan": { "Address": "192.168.1.1/24" }, "Tunnels": { "hq": {
              "RemoteAddress": "10.99.0.2", "LocalId": "branch1.example.com", "RemoteId": "hq.example.com",
              "Auth": "psk", "Psk": "a shared secret", "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "192.168.2.0/24" ],
              "Ike": [ "aes256gcm16-prfsha256-curve25519" ], "Esp": [ "aes256gcm16" ],
              "Start": "always", "Mode": "tunnel", "Encapsulation": "auto" } } } }
            """);
        yield return Encoding.UTF8.GetBytes("""
            { "Appliance": { "Ike": { "Port": 500, "NatTraversalPort": 4500, "RekeyTime": "01:00:00", "FragmentSize": 1280 },
              "Tunnels": { "hq": { "RemoteAddress": "2001:db8::2", "RemoteId": "CN=hq, O=Example", "Auth": "cert",
              "LocalTs": [ "fd00:1::/64" ], "RemoteTs": [ "fd00:2::/64" ], "Esp": [], "Ah": [ "sha256-esn" ],
              "Mode": "transport", "Encapsulation": "none", "DpdAction": "restart" } } } }
            """);
        yield return Encoding.UTF8.GetBytes("""{ "Appliance": { "Tunnels": { "a": { "Ike": [ "aes128-sha256-modp2048" ], "Esp": [ "aes192" ] } } } }""");
    }
}

namespace Appliance.Integration.Tests.Harness;

/// <summary>The "Appliance" section of a box with one PSK tunnel, as the topologies' configs share it.</summary>
public static class BoxConfig
{
    public static string Json(string tunnel, string remoteAddress, string localId, string remoteId, string psk,
        string localTs, string remoteTs, string ike, string esp, string start, string mode, string? keyLog) => $$"""
        {
          "Board": "simulated",
          "Wan": { "Interface": "wan0" },
          "Lan": { "Interface": "lan0" },
          "KeyLog": {{(keyLog is null ? "null" : "\"" + keyLog + "\"")}},
          "Tunnels": {
            "{{tunnel}}": {
              "RemoteAddress": "{{remoteAddress}}",
              "LocalId": "{{localId}}", "RemoteId": "{{remoteId}}",
              "Auth": "psk", "Psk": "{{psk}}",
              "LocalTs": [ "{{localTs}}" ], "RemoteTs": [ "{{remoteTs}}" ],
              "Ike": [ "{{ike}}" ], "Esp": [ "{{esp}}" ],
              "Start": "{{start}}", "Mode": "{{mode}}", "Encapsulation": "auto"
            }
          }
        }
        """;

    /// <summary>The same section with an AH-only Child SA (RFC 4302): "Esp" emptied, "Ah" set.</summary>
    public static string WithAh(string section, string esp, string ah)
    {
        string espKey = $"\"Esp\": [ \"{esp}\" ]";
        if (!section.Contains(espKey, StringComparison.Ordinal))
            throw new ArgumentException($"no {espKey} in the section", nameof(section));
        return section.Replace(espKey, $"\"Esp\": [], \"Ah\": [ \"{ah}\" ]", StringComparison.Ordinal);
    }
}

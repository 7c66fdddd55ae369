namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// An office behind the box: a switch (a bridge in its own namespace) joining the box's lan0 (192.168.1.1/24) and
/// two PCs without addresses, and the box's WAN (10.99.0.1) facing an "internet" namespace (10.99.0.2).
/// Names start with "ln-".
/// </summary>
public sealed class LanTopology : IDisposable
{
    public const string BoxLan = "192.168.1.1", BoxWan = "10.99.0.1", Internet = "10.99.0.2";

    public LanTopology()
    {
        Net = new Netns("ln-");
        Box = Net.Add("box");
        Switch = Net.Add("sw");
        Pc1 = Net.Add("pc1");
        Pc2 = Net.Add("pc2");
        InternetHost = Net.Add("inet");
        Shell.Check("ip", "-n", Switch, "link", "add", "br0", "type", "bridge");
        Shell.Check("ip", "-n", Switch, "link", "set", "br0", "up");
        Net.Link(Box, "lan0", Switch, "p0");
        Net.Link(Pc1, "eth0", Switch, "p1");
        Net.Link(Pc2, "eth0", Switch, "p2");
        Shell.Check("ip", "-n", Pc2, "link", "set", "eth0", "address", Pc2Mac);
        foreach (string port in (string[])["p0", "p1", "p2"])
            Shell.Check("ip", "-n", Switch, "link", "set", port, "master", "br0");
        Shell.Check("ip", "-n", Box, "addr", "add", BoxLan + "/24", "dev", "lan0");
        Net.Link(Box, "wan0", BoxWan + "/24", InternetHost, "eth0", Internet + "/24");
    }

    public Netns Net { get; }
    public string Box { get; }
    public string Switch { get; }
    public string Pc1 { get; }
    public string Pc2 { get; }
    public string InternetHost { get; }

    /// <summary>PC 2's fixed hardware address, for a static lease.</summary>
    public const string Pc2Mac = "52:54:00:00:00:99";

    /// <summary>The "Appliance" section of a box without tunnels serving the LAN; <paramref name="extra"/> adds sections.</summary>
    public static string BoxConfig(string extra = "") => $$"""
        {
          "Board": "simulated",
          "Wan": { "Interface": "wan0" },
          "Lan": { "Interface": "lan0", "Address": "{{BoxLan}}/24" }{{(extra.Length > 0 ? "," : "")}}
          {{extra}}
        }
        """;

    public void Dispose() => Net.Dispose();
}

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// Two boxes back to back, each with a LAN host: lanA ─ boxA ─ WAN ─ boxB ─ lanB. No NAT, so ESP
/// travels as raw IP protocol 50 (no kernel-libipsec in the way).
/// </summary>
public sealed class BoxPairTopology : IDisposable
{
    public const string WanA = "10.99.0.1", WanB = "10.99.0.2";
    public const string HostA = "192.168.1.10", HostB = "192.168.2.10";

    public BoxPairTopology()
    {
        Net = new Netns();
        LanA = Net.Add("lana");
        BoxA = Net.Add("boxa");
        BoxB = Net.Add("boxb");
        LanB = Net.Add("lanb");
        Net.Link(LanA, "eth0", HostA + "/24", BoxA, "lan0", "192.168.1.1/24");
        Net.Link(BoxA, "wan0", WanA + "/24", BoxB, "wan0", WanB + "/24");
        Net.Link(BoxB, "lan0", "192.168.2.1/24", LanB, "eth0", HostB + "/24");
        Shell.Check("ip", "-n", LanA, "route", "add", "default", "via", "192.168.1.1");
        Shell.Check("ip", "-n", LanB, "route", "add", "default", "via", "192.168.2.1");
    }

    public Netns Net { get; }
    public string LanA { get; }
    public string BoxA { get; }
    public string BoxB { get; }
    public string LanB { get; }

    /// <summary>The "Appliance" section of one box of the pair.</summary>
    public static string Config(bool sideA, string esp, string start, string mode = "tunnel", string? keyLog = null,
        string ike = "aes256gcm16-prfsha256-curve25519")
    {
        string local = sideA ? "a.example.com" : "b.example.com", remote = sideA ? "b.example.com" : "a.example.com";
        string localTs = sideA ? "192.168.1.0/24" : "192.168.2.0/24", remoteTs = sideA ? "192.168.2.0/24" : "192.168.1.0/24";
        if (mode == "transport") { localTs = (sideA ? WanA : WanB) + "/32"; remoteTs = (sideA ? WanB : WanA) + "/32"; }
        return BoxConfig.Json("peer", sideA ? WanB : WanA, local, remote, "box to box secret", localTs, remoteTs,
            ike, esp, start, mode, keyLog);
    }

    public void Dispose() => Net.Dispose();
}

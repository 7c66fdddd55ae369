using Appliance.Integration.Tests.Harness;

namespace Appliance.Vm.Tests.Harness;

/// <summary>
/// The networks around the guest, all in namespaces named sy-&lt;pid&gt;-*:
/// <code>
///  lan (192.168.1.10) ─ br-lan ─ lan-tap ═ guest eth1 (LAN)   guest eth0 (WAN, 10.99.0.1) ═ wan-tap ─ br-wan ─ hq (10.99.0.2) ─ hqhost (192.168.2.10)
///                                                               guest l2tp-nat (10.99.0.60) ═ cli-tap ─┘
///                      └──────────── wire: qemu runs here, the taps and bridges are its cables ───────────┘
/// </code>
/// qemu opens its taps in its own namespace, so it runs inside "wire"; the bridges join each tap to a veth into
/// the namespace of the host on that cable. Capturing on wan-tap sees exactly what the guest put on its WAN.
/// </summary>
public sealed class SystemTopology : IDisposable
{
    public const string BoxWan = "10.99.0.1", HqWan = "10.99.0.2";
    public const string LanHostAddress = "192.168.1.10", BoxLan = "192.168.1.1", HqHostAddress = "192.168.2.10";
    public const string BoxSubnet = "192.168.1.0/24", HqSubnet = "192.168.2.0/24";
    public const string WanTap = "wan-tap", LanTap = "lan-tap";
    /// <summary>
    /// The L2TP/IPsec client harness's cable: a third guest NIC on br-wan that the guest moves into its own
    /// namespace at boot (tools/systest/l2tp-client): remote-access clients behind a NAT reach the box's WAN over it.
    /// </summary>
    public const string ClientTap = "cli-tap", ClientNicMac = "52:54:00:99:00:60";

    private readonly List<string> _namespaces = [];
    private readonly string _prefix = $"sy-{Environment.ProcessId % 100000}";
    private int _veth;

    public SystemTopology()
    {
        try
        {
            Wire = Add("wire");
            Hq = Add("hq");
            LanHost = Add("lan");
            HqHost = Add("hqhost");
            foreach (string bridge in (string[])["br-wan", "br-lan"])
            {
                Ip(Wire, "link", "add", bridge, "type", "bridge");
                Ip(Wire, "link", "set", bridge, "up");
            }
            foreach (var (tap, bridge) in new[] { (WanTap, "br-wan"), (LanTap, "br-lan"), (ClientTap, "br-wan") })
            {
                // Persistent taps: qemu attaches to them by name (ifname=) and they outlive a guest reboot.
                Ip(Wire, "tuntap", "add", "dev", tap, "mode", "tap");
                Ip(Wire, "link", "set", tap, "master", bridge, "up");
            }
            Veth(Wire, "hq-port", "br-wan", Hq, "eth0", HqWan + "/24");
            Veth(Wire, "lan-port", "br-lan", LanHost, "eth0", LanHostAddress + "/24");
            Veth(Hq, "lan0", null, HqHost, "eth0", HqHostAddress + "/24");
            Ip(Hq, "addr", "add", "192.168.2.1/24", "dev", "lan0");
            Ip(LanHost, "route", "add", "default", "via", BoxLan);
            Ip(HqHost, "route", "add", "default", "via", "192.168.2.1");
            Shell.Check("ip", "netns", "exec", Hq, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Wire { get; } = "";
    public string Hq { get; } = "";
    public string LanHost { get; } = "";
    public string HqHost { get; } = "";

    public static Shell.Result Exec(string ns, TimeSpan timeout, params string[] command) =>
        Shell.Run("ip", ["netns", "exec", ns, .. command], timeout);

    private string Add(string name)
    {
        string full = $"{_prefix}-{name}";
        Shell.Run("ip", "netns", "del", full); // a leftover of a killed run with the same pid
        Shell.Check("ip", "netns", "add", full);
        _namespaces.Add(full);
        Ip(full, "link", "set", "lo", "up");
        return full;
    }

    /// <summary>A veth from namespace a (into a bridge there, or addressed) to namespace b (addressed, up).</summary>
    private void Veth(string nsA, string ifA, string? bridgeA, string nsB, string ifB, string cidrB)
    {
        string tmpA = $"syv{Environment.ProcessId % 10000}n{++_veth}a", tmpB = $"syv{Environment.ProcessId % 10000}n{_veth}b";
        Shell.Check("ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB);
        Shell.Check("ip", "link", "set", tmpA, "netns", nsA);
        Shell.Check("ip", "link", "set", tmpB, "netns", nsB);
        Ip(nsA, "link", "set", tmpA, "name", ifA);
        Ip(nsB, "link", "set", tmpB, "name", ifB);
        if (bridgeA is not null) Ip(nsA, "link", "set", ifA, "master", bridgeA);
        Ip(nsB, "addr", "add", cidrB, "dev", ifB);
        Ip(nsA, "link", "set", ifA, "up");
        Ip(nsB, "link", "set", ifB, "up");
    }

    private static void Ip(string ns, params string[] args) => Shell.Check("ip", ["-n", ns, .. args]);

    public void Dispose()
    {
        foreach (string ns in _namespaces)
        {
            // Whatever still runs inside (qemu, charon, tcpdump, ping) must not outlive the test.
            foreach (string pid in Shell.Run("ip", "netns", "pids", ns).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Shell.Run("kill", "-9", pid.Trim());
            Shell.Run("ip", "netns", "del", ns);
        }
        _namespaces.Clear();
    }
}

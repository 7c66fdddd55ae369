using System.Net;
using Appliance.Linux.Policy;

namespace Appliance.Linux.Tests.Harness;

/// <summary>
/// lanA host ─ boxA ─ WAN ─ boxB ─ lanB host, one network namespace each (prefix "dp"), veth links:
/// hostA eth0 10.1.0.2/24 ↔ boxA lan0 10.1.0.1/24; boxA wan0 192.0.2.1/24 ↔ boxB wan0 192.0.2.2/24;
/// boxB lan0 10.2.0.1/24 ↔ hostB eth0 10.2.0.2/24. The boxes forward and route the other LAN via
/// the WAN, so without the data plane the kernel would carry LAN traffic across the WAN in clear.
/// </summary>
public sealed class BoxTopology : IDisposable
{
    public BoxTopology() : this($"dp{Environment.ProcessId % 10000}") { }

    internal BoxTopology(string prefix)
    {
        HostA = prefix + "-ha";
        BoxA = prefix + "-ba";
        BoxB = prefix + "-bb";
        HostB = prefix + "-hb";
        Cleanup();
        foreach (var ns in new[] { HostA, BoxA, BoxB, HostB }) NetNs.ShOk($"ip netns add {ns}");
        NetNs.ShOk($"ip link add eth0 netns {HostA} type veth peer name lan0 netns {BoxA}");
        NetNs.ShOk($"ip link add wan0 netns {BoxA} type veth peer name wan0 netns {BoxB}");
        NetNs.ShOk($"ip link add lan0 netns {BoxB} type veth peer name eth0 netns {HostB}");
        Addr(HostA, "eth0", "10.1.0.2/24");
        Addr(BoxA, "lan0", "10.1.0.1/24");
        Addr(BoxA, "wan0", "192.0.2.1/24");
        Addr(BoxB, "wan0", "192.0.2.2/24");
        Addr(BoxB, "lan0", "10.2.0.1/24");
        Addr(HostB, "eth0", "10.2.0.2/24");
        NetNs.ShOk($"ip -n {HostA} route add default via 10.1.0.1");
        NetNs.ShOk($"ip -n {HostB} route add default via 10.2.0.1");
        NetNs.ShOk($"ip -n {BoxA} route add 10.2.0.0/24 via 192.0.2.2");
        NetNs.ShOk($"ip -n {BoxB} route add 10.1.0.0/24 via 192.0.2.1");
        foreach (var ns in new[] { BoxA, BoxB })
            NetNs.ShOk($"ip netns exec {ns} sysctl -qw net.ipv4.ip_forward=1");
    }

    public string HostA { get; }
    public string BoxA { get; }
    public string BoxB { get; }
    public string HostB { get; }

    public static readonly IPNetwork LanA = IPNetwork.Parse("10.1.0.0/24");
    public static readonly IPNetwork LanB = IPNetwork.Parse("10.2.0.0/24");
    public static readonly IPAddress WanA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress WanB = IPAddress.Parse("192.0.2.2");

    public static DataPlaneOptions OptionsA(bool trap = false, IReadOnlyList<IPNetwork>? bypass = null) =>
        new("wan0", "lan0", [new TunnelPolicy("b", [LanA], [LanB], bypass ?? [], trap)]);

    public static DataPlaneOptions OptionsB(bool trap = false) =>
        new("wan0", "lan0", [new TunnelPolicy("a", [LanB], [LanA], [], trap)]);

    private static void Addr(string ns, string dev, string cidr)
    {
        NetNs.ShOk($"ip -n {ns} addr add {cidr} dev {dev}");
        NetNs.ShOk($"ip -n {ns} link set {dev} up");
        NetNs.ShOk($"ip -n {ns} link set lo up");
    }

    private void Cleanup()
    {
        foreach (var ns in new[] { HostA, BoxA, BoxB, HostB }) NetNs.Sh($"ip netns del {ns} 2>/dev/null");
    }

    public void Dispose() => Cleanup();
}

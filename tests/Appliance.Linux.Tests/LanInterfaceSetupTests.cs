using Appliance.Linux.Routing;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// The service owns the LAN address and IPv4 forwarding over rtnetlink (no `ip`, no /proc/sys writes): checked
/// against what `ip` and /proc/sys then show in a namespace of its own, and with a host routing through it.
/// </summary>
public sealed class LanInterfaceSetupTests : IDisposable
{
    private readonly string _box = $"lis{Environment.ProcessId % 10000}-box";
    private readonly string _host = $"lis{Environment.ProcessId % 10000}-host";
    private readonly string _far = $"lis{Environment.ProcessId % 10000}-far";

    public LanInterfaceSetupTests()
    {
        Dispose();
        foreach (var ns in new[] { _box, _host, _far }) NetNs.ShOk($"ip netns add {ns}");
        NetNs.ShOk($"ip link add eth0 netns {_host} type veth peer name lan0 netns {_box}");
        NetNs.ShOk($"ip link add wan0 netns {_box} type veth peer name eth0 netns {_far}");
        NetNs.ShOk($"ip -n {_host} link set eth0 up && ip -n {_host} addr add 192.168.77.10/24 dev eth0 && ip -n {_host} route add default via 192.168.77.1");
        NetNs.ShOk($"ip -n {_box} link set wan0 up && ip -n {_box} addr add 198.51.100.1/24 dev wan0");
        NetNs.ShOk($"ip -n {_far} link set eth0 up && ip -n {_far} addr add 198.51.100.2/24 dev eth0 && ip -n {_far} route add 192.168.77.0/24 via 198.51.100.1");
        // A fresh namespace starts with forwarding off everywhere: the setup must turn it on, not find it on.
        Assert.Equal("0", Sysctl("net.ipv4.conf.lan0.forwarding"));
    }

    public void Dispose()
    {
        foreach (var ns in new[] { _box, _host, _far }) NetNs.Sh($"ip netns del {ns} 2>/dev/null");
    }

    private string Sysctl(string key) => NetNs.ShOk($"ip netns exec {_box} sysctl -n {key}").Trim();

    private string Addresses(string family) => NetNs.ShOk($"ip -n {_box} -{family} -o addr show dev lan0 scope global");

    [Fact]
    public void Sets_the_address_brings_the_link_up_and_turns_forwarding_on_for_LAN_and_WAN()
    {
        var v4 = Parse("192.168.77.1/24");
        var v6 = Parse("fd00:77::1/64");
        var result = NetNs.Run(_box, () => LanInterfaceSetup.Apply("lan0", v4, v6, "wan0"));

        Assert.Equal(new LanInterfaceSetup.Result(2, 0), result);
        Assert.Contains("inet 192.168.77.1/24 brd 192.168.77.255", Addresses("4"));
        Assert.Contains("inet6 fd00:77::1/64", Addresses("6"));
        Assert.Contains("state UP", NetNs.ShOk($"ip -n {_box} link show lan0"));
        Assert.Equal("1", Sysctl("net.ipv4.conf.lan0.forwarding"));
        Assert.Equal("1", Sysctl("net.ipv4.conf.wan0.forwarding"));

        // The kernel now routes between the two: the LAN host reaches the far side through the box.
        var (exit, output) = NetNs.Sh($"ip netns exec {_host} ping -c 2 -W 2 198.51.100.2");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Is_idempotent_and_replaces_an_address_a_previous_configuration_left()
    {
        NetNs.Run(_box, () => LanInterfaceSetup.Apply("lan0", Parse("192.168.77.1/24"), null, null));
        NetNs.ShOk($"ip -n {_box} addr add 10.9.9.1/16 dev lan0");

        var again = NetNs.Run(_box, () => LanInterfaceSetup.Apply("lan0", Parse("192.168.77.1/24"), null, null));
        Assert.Equal(new LanInterfaceSetup.Result(0, 1), again);
        string v4 = Addresses("4");
        Assert.Contains("192.168.77.1/24", v4);
        Assert.DoesNotContain("10.9.9.1", v4);

        var moved = NetNs.Run(_box, () => LanInterfaceSetup.Apply("lan0", Parse("192.168.78.1/23"), null, null));
        Assert.Equal(new LanInterfaceSetup.Result(1, 1), moved);
        v4 = Addresses("4");
        Assert.Contains("192.168.78.1/23", v4);
        Assert.DoesNotContain("192.168.77.1", v4);
    }

    [Fact]
    public void A_missing_interface_is_a_clear_error()
    {
        var e = Assert.ThrowsAny<Exception>(() => NetNs.Run(_box, () => LanInterfaceSetup.Apply("nosuch0", Parse("192.168.77.1/24"), null, null)));
        Assert.Contains("nosuch0", e.Message);
    }

    [Theory]
    [InlineData("192.168.1.1/24", true)]
    [InlineData("fd00::1/64", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("192.168.1.1/33", false)]
    [InlineData("192.168.1.1/0", false)]
    [InlineData("lan/24", false)]
    [InlineData("", false)]
    public void Parses_address_and_prefix(string text, bool ok) => Assert.Equal(ok, InterfaceAddress.TryParse(text, out _));

    private static InterfaceAddress Parse(string text) =>
        InterfaceAddress.TryParse(text, out var a) ? a : throw new ArgumentException(text);
}

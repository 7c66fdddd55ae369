using System.Net;
using Appliance.Linux.Policy;

namespace Appliance.Linux.Tests.Unit;

/// <summary>Outbound SPD decisions (RFC 4301 §4.4.1: PROTECT, BYPASS, DISCARD) and prefix matching.</summary>
public sealed class SpdTests
{
    private static readonly Spd Db = new([
        new TunnelPolicy("hq", [IPNetwork.Parse("192.168.1.0/24")], [IPNetwork.Parse("192.168.2.0/24"), IPNetwork.Parse("fd00:2::/64")],
            [IPNetwork.Parse("192.168.2.50/32")], Trap: true),
        new TunnelPolicy("all", [IPNetwork.Parse("192.168.1.128/25")], [IPNetwork.Parse("0.0.0.0/0")], [], Trap: false),
    ]);

    private static byte[] A(string s) => IPAddress.Parse(s).GetAddressBytes();

    [Theory]
    [InlineData("192.168.1.10", "192.168.2.7", "Protect", 0)]
    [InlineData("192.168.1.10", "192.168.2.50", "Bypass", -1)]
    [InlineData("10.0.0.1", "192.168.2.7", "Discard", -1)]       // remote subnet from a foreign source
    [InlineData("192.168.1.200", "8.8.8.8", "Protect", 1)]      // full tunnel for the upper half
    [InlineData("192.168.1.10", "8.8.8.8", "Discard", -1)]      // 0/0 is blackholed for everyone
    public void Ipv4_decisions(string source, string destination, string expected, int tunnel)
    {
        Assert.Equal(Enum.Parse<SpdAction>(expected), Db.Lookup(A(source), A(destination), out int index));
        Assert.Equal(tunnel, index);
    }

    [Fact]
    public void Ipv6_selectors_match_only_ipv6_addresses()
    {
        var db = new Spd([new TunnelPolicy("v6", [IPNetwork.Parse("fd00:1::/64")], [IPNetwork.Parse("fd00:2::/64")], [], false)]);
        Assert.Equal(SpdAction.Protect, db.Lookup(A("fd00:1::5"), A("fd00:2::1:2"), out _));
        Assert.Equal(SpdAction.NotOurs, db.Lookup(A("fd00:1::5"), A("fd00:3::1"), out _));
        Assert.Equal(SpdAction.NotOurs, db.Lookup(A("10.0.0.1"), A("10.0.0.2"), out _));
    }

    [Theory]
    [InlineData("10.2.0.0/24", "10.2.0.255", true)]
    [InlineData("10.2.0.0/24", "10.2.1.0", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("10.2.0.5/32", "10.2.0.5", true)]
    [InlineData("10.2.0.5/32", "10.2.0.4", false)]
    [InlineData("fd00::/8", "fdff::1", true)]
    [InlineData("fd00:1:2:3:4::/80", "fd00:1:2:3:4:0:ffff:1", true)]
    [InlineData("fd00:1:2:3:4::/80", "fd00:1:2:3:5::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "10.0.0.1", false)]
    public void Prefix_contains(string prefix, string address, bool expected) =>
        Assert.Equal(expected, new Prefix(IPNetwork.Parse(prefix)).Contains(A(address)));
}

using System.Net;

namespace Appliance.Ike.Tests.Config;

public class ConfigTypesTests
{
    [Theory]
    [InlineData("10.0.0.1", IkeIdType.Ipv4Addr)]
    [InlineData("2001:db8::1", IkeIdType.Ipv6Addr)]
    [InlineData("branch1.example.com", IkeIdType.Fqdn)]
    [InlineData("@branch1", IkeIdType.Fqdn)]
    [InlineData("user@example.com", IkeIdType.Rfc822Addr)]
    [InlineData("keyid:#a1b2", IkeIdType.KeyId)]
    public void Identities_parse_to_the_rfc_id_types(string text, IkeIdType type)
    {
        IkeIdentity id = IkeIdentity.Parse(text);
        Assert.Equal(type, id.Type);
        Assert.Equal(id, IkeIdentity.Parse(text));
    }

    [Fact]
    public void Any_matches_every_identity()
    {
        Assert.True(IkeIdentity.Parse("%any").Matches(IkeIdentity.Parse("x.example")));
        Assert.False(IkeIdentity.Parse("y.example").Matches(IkeIdentity.Parse("x.example")));
        Assert.Throws<ArgumentException>(() => IkeIdentity.Parse("keyid:#zz"));
    }

    [Fact]
    public void Selectors_parse_cidr_ranges_and_protocol_ports()
    {
        TrafficSelector ts = TrafficSelector.Parse("192.168.1.0/24");
        Assert.Equal(IPAddress.Parse("192.168.1.0"), ts.StartAddress);
        Assert.Equal(IPAddress.Parse("192.168.1.255"), ts.EndAddress);
        Assert.Equal("192.168.1.0/24", ts.ToString());
        TrafficSelector web = TrafficSelector.Parse("10.0.0.1-10.0.0.9[tcp/80-443]");
        Assert.Equal(6, web.IpProtocol);
        Assert.Equal(80, web.StartPort);
        Assert.Equal(443, web.EndPort);
        Assert.Throws<ArgumentException>(() => TrafficSelector.Parse("10.0.0.0/33"));
        Assert.Throws<ArgumentException>(() => TrafficSelector.Parse("10.0.0.9-10.0.0.1"));
        Assert.Throws<ArgumentException>(() => TrafficSelector.Parse("10.0.0.0/8[bogus]"));
    }

    [Fact]
    public void Intersection_narrows_addresses_protocol_and_ports()
    {
        TrafficSelector? both = TrafficSelector.Parse("10.0.0.0/8").Intersect(TrafficSelector.Parse("10.1.2.0/24[udp/53]"));
        Assert.Equal(TrafficSelector.Parse("10.1.2.0/24[udp/53]"), both);
        Assert.Null(TrafficSelector.Parse("10.0.0.0/8[tcp]").Intersect(TrafficSelector.Parse("10.0.0.0/8[udp]")));
        Assert.Null(TrafficSelector.Parse("10.0.0.0/8").Intersect(TrafficSelector.Parse("::/0")));
        Assert.True(TrafficSelector.Parse("10.1.0.0/16").IsSubsetOf(TrafficSelector.Parse("10.0.0.0/8")));
        Assert.False(TrafficSelector.Parse("10.0.0.0/8").IsSubsetOf(TrafficSelector.Parse("10.1.0.0/16")));
    }

    [Fact]
    public void AddTunnel_rejects_bad_configuration_with_clear_messages()
    {
        var engine = new IkeEngine(TimeProvider.System);
        IkeTunnelConfig good = Engine.TestPeers.Config("t", IPAddress.Loopback, IPAddress.Loopback, "a", "b");
        var e1 = Assert.Throws<ArgumentException>(() => engine.AddTunnel(good with { IkeProposals = ["aes256gcm16-prfsha256-bogus"] }));
        Assert.Contains("bogus", e1.Message);
        Assert.Contains("pre-shared key", Assert.Throws<ArgumentException>(() => engine.AddTunnel(good with { Psk = [] })).Message);
        Assert.Contains("only respond", Assert.Throws<ArgumentException>(() =>
            engine.AddTunnel(good with { RemoteAddress = null, Start = StartAction.Start })).Message);
        engine.AddTunnel(good);
        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => engine.AddTunnel(good)).Message);
        Assert.DoesNotContain("correct horse", good.ToString());
    }

    [Fact]
    public void Facade_calls_with_bad_arguments_fail_clearly()
    {
        var engine = new IkeEngine(TimeProvider.System);
        Assert.Contains("no tunnel named 'nope'", Assert.Throws<ArgumentException>(() => engine.Initiate("nope")).Message);
        Assert.Throws<ArgumentException>(() => engine.Terminate("nope"));
        Assert.Throws<ArgumentException>(() => engine.RemoveTunnel("nope"));
        engine.AddTunnel(Engine.TestPeers.Config("any", IPAddress.Loopback, null, "a", "b"));
        Assert.Contains("can only respond", Assert.Throws<InvalidOperationException>(() => engine.Initiate("any")).Message);
        Assert.False(engine.TryDequeueOutgoing(out _));
        Assert.Null(engine.Tick());
        Assert.Null(Assert.Single(engine.GetStatus().Tunnels).IkeSa);
    }
}

using System.Net;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Config;

public class AhConfigTests
{
    private static readonly IkeTunnelConfig Esp = Engine.TestPeers.Config("t", IPAddress.Loopback, IPAddress.Loopback, "a", "b");

    [Fact]
    public void A_tunnel_uses_ah_when_it_has_ah_proposals_and_no_esp_ones()
    {
        Assert.Equal(ProtocolId.Esp, Esp.ChildProtocol);
        IkeTunnelConfig ah = Esp with { EspProposals = [], AhProposals = ["sha256"] };
        Assert.Equal(ProtocolId.Ah, ah.ChildProtocol);
        new IkeEngine(TimeProvider.System).AddTunnel(ah);
        Assert.Contains("AhProposals = sha256", ah.ToString());
    }

    [Fact]
    public void AddTunnel_refuses_esp_and_ah_together_ah_over_udp_and_bad_ah_proposals()
    {
        var engine = new IkeEngine(TimeProvider.System);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => engine.AddTunnel(Esp with { AhProposals = ["sha256"] })).Message);
        IkeTunnelConfig ah = Esp with { EspProposals = [], AhProposals = ["sha256"] };
        Assert.Contains("RFC 3948", Assert.Throws<ArgumentException>(() => engine.AddTunnel(ah with { ForceUdpEncapsulation = true })).Message);
        Assert.Contains("AH proposal", Assert.Throws<ArgumentException>(() => engine.AddTunnel(ah with { AhProposals = ["aes128-sha256"] })).Message);
        Assert.Contains("ESP or AH proposal", Assert.Throws<ArgumentException>(() => engine.AddTunnel(ah with { AhProposals = [] })).Message);
    }
}

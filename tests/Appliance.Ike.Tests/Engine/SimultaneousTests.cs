namespace Appliance.Ike.Tests.Engine;

public class SimultaneousTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Both_sides_initiating_at_once_end_with_one_shared_ike_sa(int seed)
    {
        var peers = new TestPeers(seed: seed);
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, TestPeers.AddressA, "b.example.com", "a.example.com",
            localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
        peers.A.Initiate("to-b");
        peers.B.Initiate("to-a");
        peers.Pump();
        for (int i = 0; i < 5; i++)
            peers.Advance(TimeSpan.FromSeconds(10));
        // One IKE SA survives on each side, the same one.
        Assert.Single(peers.EventsA.OfType<IkeSaDeleted>());
        Assert.Single(peers.EventsB.OfType<IkeSaDeleted>());
        var childrenA = peers.A.GetStatus().Tunnels[0].ChildSas;
        var childrenB = peers.B.GetStatus().Tunnels[0].ChildSas;
        Assert.Single(childrenA);
        // Every Child SA one side keeps must exist on the other side with mirrored SPIs.
        foreach (ChildSaStatus c in childrenA)
            Assert.Contains(childrenB, d => d.InboundSpi == c.OutboundSpi && d.OutboundSpi == c.InboundSpi);
        foreach (ChildSaStatus c in childrenB)
            Assert.Contains(childrenA, d => d.InboundSpi == c.OutboundSpi && d.OutboundSpi == c.InboundSpi);
        Assert.Equal(IkeSaState.Established, peers.A.GetStatus().Tunnels[0].IkeSa!.State);
        Assert.Equal(IkeSaState.Established, peers.B.GetStatus().Tunnels[0].IkeSa!.State);
        Assert.Equal(peers.A.GetStatus().Tunnels[0].IkeSa!.InitiatorSpi, peers.B.GetStatus().Tunnels[0].IkeSa!.InitiatorSpi);
    }
}

namespace Appliance.Ike.Tests.Engine;

public class IkeRekeyTests
{
    private static readonly IkeEngineOptions Rekeying = new() { IkeSaRekeyTime = TimeSpan.FromMinutes(5), RekeyJitter = 0 };

    private static TestPeers Pair(IkeEngineOptions? a, IkeEngineOptions? b, int seed = 1) => TestPeers.Mirrored(a, b, seed);

    /// <summary>Both sides keep exactly one IKE SA, the same one, still carrying the original Child SA, and it works.</summary>
    private static void AssertOneSharedWorkingIkeSa(TestPeers peers)
    {
        IkeSaStatus a = peers.A.GetStatus().Tunnels[0].IkeSa!;
        IkeSaStatus b = peers.B.GetStatus().Tunnels[0].IkeSa!;
        Assert.Equal(IkeSaState.Established, a.State);
        Assert.Equal((a.InitiatorSpi, a.ResponderSpi), (b.InitiatorSpi, b.ResponderSpi));
        Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
        Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Empty(peers.EventsA.OfType<ChildSaDeleted>());
        Assert.Empty(peers.EventsB.OfType<ChildSaDeleted>());
        int before = peers.Delivered.Count;
        peers.A.CheckLiveness("to-b");
        peers.B.CheckLiveness("to-a");
        peers.Pump();
        Assert.Equal(before + 4, peers.Delivered.Count);
        Assert.Equal(0, peers.A.Counters[IkeCounter.IntegrityCheckFailed] + peers.B.Counters[IkeCounter.IntegrityCheckFailed]);
    }

    [Fact]
    public void The_ike_sa_is_rekeyed_when_due_and_the_child_sa_moves_over()
    {
        TestPeers peers = Pair(Rekeying, null);
        IkeSaEstablished first = peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Advance(TimeSpan.FromMinutes(5));
        IkeSaEstablished second = peers.EventsA.OfType<IkeSaEstablished>().Last();
        Assert.NotEqual(first.InitiatorSpi, second.InitiatorSpi);
        Assert.True(second.IsInitiator);
        Assert.NotEqual(first.Keys.SkEi, second.Keys.SkEi);
        Assert.Equal(first.InitiatorSpi, peers.Single<IkeSaDeleted>(peers.EventsA).InitiatorSpi);
        Assert.Equal(first.InitiatorSpi, peers.Single<IkeSaDeleted>(peers.EventsB).InitiatorSpi);
        Assert.Equal(second.InitiatorSpi, peers.EventsB.OfType<IkeSaEstablished>().Last().InitiatorSpi);
        AssertOneSharedWorkingIkeSa(peers);
        peers.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, peers.EventsA.OfType<IkeSaDeleted>().Count());
        AssertOneSharedWorkingIkeSa(peers);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Simultaneous_ike_sa_rekeys_settle_on_one_ike_sa(int seed)
    {
        TestPeers peers = Pair(Rekeying, Rekeying, seed);
        peers.Time.Advance(TimeSpan.FromMinutes(5));
        peers.A.Tick();
        peers.B.Tick(); // both requests cross on the wire
        peers.Pump();
        peers.Advance(TimeSpan.FromSeconds(1));
        // Each side saw both new IKE SAs come up, then the old one and the redundant new one go.
        Assert.Equal(3, peers.EventsA.OfType<IkeSaEstablished>().Count());
        Assert.Equal(3, peers.EventsB.OfType<IkeSaEstablished>().Count());
        Assert.Equal(2, peers.EventsA.OfType<IkeSaDeleted>().Count());
        Assert.Equal(2, peers.EventsB.OfType<IkeSaDeleted>().Count());
        AssertOneSharedWorkingIkeSa(peers);
        Assert.Equal(0, peers.A.Counters[IkeCounter.InternalError] + peers.B.Counters[IkeCounter.InternalError]);
    }
}

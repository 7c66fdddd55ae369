namespace Appliance.Ike.Tests.Engine;

public class ChildRekeyTests
{
    private static TestPeers Pair(IkeEngineOptions? a, IkeEngineOptions? b, string esp = "aes256gcm16", int seed = 1) =>
        TestPeers.Mirrored(a, b, seed, esp);

    private static void AssertOneMirroredChild(TestPeers peers)
    {
        ChildSaStatus a = Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
        ChildSaStatus b = Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Equal(a.InboundSpi, b.OutboundSpi);
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        // The keys the host was given for the surviving SA match in mirrored directions.
        ChildSaInfo ka = peers.EventsA.OfType<ChildSaEstablished>().Single(e => e.Child.InboundSpi == a.InboundSpi).Child;
        ChildSaInfo kb = peers.EventsB.OfType<ChildSaEstablished>().Single(e => e.Child.InboundSpi == b.InboundSpi).Child;
        Assert.Equal(ka.Outbound.EncryptionKey, kb.Inbound.EncryptionKey);
        Assert.Equal(ka.Inbound.EncryptionKey, kb.Outbound.EncryptionKey);
        Assert.Equal(ka.Outbound.Salt, kb.Inbound.Salt);
    }

    private static readonly IkeEngineOptions Rekeying = new() { ChildSaRekeyTime = TimeSpan.FromMinutes(1), RekeyJitter = 0 };

    [Theory]
    [InlineData("aes256gcm16")]
    [InlineData("aes128-sha256-modp2048")] // PFS: a fresh DH exchange in CREATE_CHILD_SA
    public void The_initiator_rekeys_its_child_sa_when_due_and_deletes_the_old_one(string esp)
    {
        TestPeers peers = Pair(Rekeying, null, esp);
        ChildSaInfo first = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        Assert.Equal(TimeSpan.FromMinutes(1), peers.A.Tick());
        peers.Advance(TimeSpan.FromMinutes(1));

        ChildSaEstablished second = peers.EventsA.OfType<ChildSaEstablished>().Last();
        Assert.Equal(first.InboundSpi, second.RekeyOfInboundSpi);
        Assert.NotEqual(first.Outbound.EncryptionKey, second.Child.Outbound.EncryptionKey);
        Assert.Equal(first.InboundSpi, peers.Single<ChildSaDeleted>(peers.EventsA).InboundSpi);
        Assert.Equal(first.OutboundSpi, peers.Single<ChildSaDeleted>(peers.EventsB).InboundSpi);
        AssertOneMirroredChild(peers);
        Assert.Equal(8, peers.Delivered.Count); // INIT, AUTH, CREATE_CHILD_SA, INFORMATIONAL delete: requests and responses

        peers.Advance(TimeSpan.FromMinutes(1));
        peers.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(3, peers.EventsA.OfType<ChildSaDeleted>().Count());
        AssertOneMirroredChild(peers);
    }

    [Fact]
    public void A_lost_rekey_request_is_retransmitted()
    {
        TestPeers peers = Pair(Rekeying, null);
        int sent = peers.Delivered.Count;
        peers.Drop = (index, _, _) => index == 4; // the first CREATE_CHILD_SA request
        peers.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(sent, peers.Delivered.Count);
        peers.Advance(TimeSpan.FromSeconds(4));
        AssertOneMirroredChild(peers);
        Assert.Single(peers.EventsB.OfType<ChildSaDeleted>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Simultaneous_rekeys_by_both_peers_settle_on_one_child_sa(int seed)
    {
        TestPeers peers = Pair(Rekeying, Rekeying, seed: seed);
        peers.Time.Advance(TimeSpan.FromMinutes(1));
        peers.A.Tick();
        peers.B.Tick(); // both CREATE_CHILD_SA requests are on the wire before either is answered
        peers.Pump();
        peers.Advance(TimeSpan.FromSeconds(1));
        AssertOneMirroredChild(peers);
        Assert.Equal(0, peers.A.Counters[IkeCounter.InternalError] + peers.B.Counters[IkeCounter.InternalError]);
        // and the next round works as well
        peers.Advance(TimeSpan.FromMinutes(1));
        AssertOneMirroredChild(peers);
    }
}

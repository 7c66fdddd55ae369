namespace Appliance.Ike.Tests.Engine;

/// <summary>Per-tunnel rekey and hard lifetimes, early rekeys asked for by the data path, expiry without a rekey.</summary>
public class LifetimeTests
{
    private static TestPeers Pair(SaLifetimes? lifetimesA, IkeEngineOptions? optionsA = null, int seed = 1) =>
        TestPeers.Mirrored(optionsA, null, seed, configureA: c => c with { Lifetimes = lifetimesA });

    private static (ChildSaStatus A, ChildSaStatus B) OneMirroredChild(TestPeers peers)
    {
        ChildSaStatus a = Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
        ChildSaStatus b = Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Equal(a.InboundSpi, b.OutboundSpi);
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        return (a, b);
    }

    [Fact]
    public void A_tunnels_own_rekey_time_overrides_the_engine_default()
    {
        // Engine default 1 h, the tunnel says 2 min (no jitter in the override's effect is asserted, only the bound).
        TestPeers peers = Pair(new SaLifetimes(TimeSpan.FromMinutes(2), null, null, null),
            new IkeEngineOptions { ChildSaRekeyTime = TimeSpan.FromHours(1), RekeyJitter = 0 });
        Assert.Equal(TimeSpan.FromMinutes(2), peers.A.Tick());
        uint first = OneMirroredChild(peers).A.InboundSpi;

        peers.Advance(TimeSpan.FromMinutes(2));

        Assert.NotEqual(first, OneMirroredChild(peers).A.InboundSpi);
        Assert.Equal(first, peers.Single<ChildSaDeleted>(peers.EventsA).InboundSpi);
        Assert.True(peers.Single<ChildSaDeleted>(peers.EventsA).Replaced);
    }

    [Fact]
    public void A_tunnel_without_rekey_time_does_not_rekey_even_if_the_engine_would()
    {
        TestPeers peers = Pair(new SaLifetimes(null, null, null, null), new IkeEngineOptions { ChildSaRekeyTime = TimeSpan.FromMinutes(1) });
        Assert.Null(peers.A.Tick());
        peers.Advance(TimeSpan.FromHours(3));
        Assert.Single(peers.EventsA.OfType<ChildSaEstablished>());
    }

    [Fact]
    public void An_early_rekey_asked_for_by_the_data_path_runs_at_the_next_tick_and_replaces_the_sa_on_both_sides()
    {
        TestPeers peers = Pair(null);
        uint first = OneMirroredChild(peers).A.InboundSpi;

        Assert.False(peers.A.RequestChildRekey(first ^ 0xFFFF), "no Child SA has that SPI");
        Assert.True(peers.A.RequestChildRekey(first));
        Assert.Equal(TimeSpan.FromSeconds(4), peers.A.Tick()); // the CREATE_CHILD_SA went out: its retransmit timer is next
        peers.Pump();
        Assert.Equal(8, peers.Delivered.Count); // INIT, AUTH, CREATE_CHILD_SA, INFORMATIONAL delete: requests and responses

        (ChildSaStatus a, _) = OneMirroredChild(peers);
        Assert.NotEqual(first, a.InboundSpi);
        Assert.Equal(first, peers.EventsA.OfType<ChildSaEstablished>().Last().RekeyOfInboundSpi);
        // The rekey's initiator sends on the new SA at once; the responder waits until the initiator does.
        Assert.False(peers.EventsA.OfType<ChildSaEstablished>().Last().AnsweredPeerRekey);
        Assert.True(peers.EventsB.OfType<ChildSaEstablished>().Last().AnsweredPeerRekey);
        Assert.False(peers.EventsB.OfType<ChildSaEstablished>().First().AnsweredPeerRekey);
        ChildSaDeleted deletedA = peers.Single<ChildSaDeleted>(peers.EventsA);
        Assert.True(deletedA.Replaced);
        Assert.True(peers.Single<ChildSaDeleted>(peers.EventsB).Replaced);
        // Asking again for the SA that is gone does nothing.
        Assert.False(peers.A.RequestChildRekey(first));
    }

    [Fact]
    public void An_ike_sa_rekey_can_be_asked_for_and_keeps_the_child_sas()
    {
        TestPeers peers = Pair(null);
        (ChildSaStatus childBefore, _) = OneMirroredChild(peers);
        ulong before = peers.A.GetStatus().Tunnels[0].IkeSa!.InitiatorSpi;
        Assert.False(peers.A.RequestIkeRekey("no-such-tunnel"));

        Assert.True(peers.A.RequestIkeRekey(peers.A.GetStatus().Tunnels[0].Name));
        peers.Advance(TimeSpan.Zero);

        var ike = peers.A.GetStatus().Tunnels[0].IkeSa!;
        Assert.NotEqual(before, ike.InitiatorSpi);
        Assert.Equal(IkeSaState.Established, ike.State);
        Assert.True(peers.Single<IkeSaDeleted>(peers.EventsA).Replaced);
        Assert.True(peers.Single<IkeSaDeleted>(peers.EventsB).Replaced);
        // §2.18: the Child SAs moved to the new IKE SA unchanged.
        (ChildSaStatus childAfter, _) = OneMirroredChild(peers);
        Assert.Equal(childBefore.InboundSpi, childAfter.InboundSpi);
        // The responder may ask as well.
        Assert.True(peers.B.RequestIkeRekey(peers.B.GetStatus().Tunnels[0].Name));
        peers.Advance(TimeSpan.Zero);
        Assert.Equal(2, peers.EventsA.OfType<IkeSaDeleted>().Count(d => d.Replaced));
    }

    [Fact]
    public void The_responder_can_ask_for_an_early_rekey_too()
    {
        TestPeers peers = Pair(null);
        uint firstB = OneMirroredChild(peers).B.InboundSpi;
        Assert.True(peers.B.RequestChildRekey(firstB));
        peers.Advance(TimeSpan.Zero);
        (_, ChildSaStatus b) = OneMirroredChild(peers);
        Assert.NotEqual(firstB, b.InboundSpi);
        Assert.True(peers.Single<ChildSaDeleted>(peers.EventsA).Replaced);
    }

    [Fact]
    public void A_child_sa_past_its_hard_lifetime_is_reported_gone_and_deleted_at_the_peer()
    {
        // No rekey time: nothing replaces the SA, so its life time ends it.
        TestPeers peers = Pair(new SaLifetimes(null, TimeSpan.FromSeconds(90), null, null));
        ChildSaInfo child = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        Assert.Equal(TimeSpan.FromSeconds(90), peers.A.Tick());

        peers.Advance(TimeSpan.FromSeconds(89));
        Assert.Empty(peers.EventsA.OfType<ChildSaDeleted>());
        peers.Advance(TimeSpan.FromSeconds(1));

        ChildSaDeleted a = peers.Single<ChildSaDeleted>(peers.EventsA);
        Assert.Equal((child.InboundSpi, child.OutboundSpi), (a.InboundSpi, a.OutboundSpi));
        Assert.False(a.Replaced);
        Assert.Contains("lifetime", a.Reason);
        ChildSaDeleted b = peers.Single<ChildSaDeleted>(peers.EventsB);
        Assert.Equal(child.OutboundSpi, b.InboundSpi);
        Assert.False(b.Replaced);
        Assert.Empty(peers.A.GetStatus().Tunnels[0].ChildSas);
        Assert.Empty(peers.B.GetStatus().Tunnels[0].ChildSas);
        // The IKE SA outlives its Child SA.
        Assert.Equal(IkeSaState.Established, peers.A.GetStatus().Tunnels[0].IkeSa!.State);
    }

    [Fact]
    public void A_child_sa_whose_rekey_answer_comes_after_its_hard_lifetime_is_succeeded_by_the_new_one()
    {
        // Rekey at 60 s, hard limit at 62 s; the first answer to the rekey is lost, the retransmission at 64 s gets it.
        TestPeers peers = Pair(new SaLifetimes(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(62), null, null),
            new IkeEngineOptions { RekeyJitter = 0 });
        uint first = OneMirroredChild(peers).A.InboundSpi;
        int before = peers.Delivered.Count;
        peers.Drop = (_, fromA, _) => !fromA && peers.Delivered.Count == before + 1; // B's CREATE_CHILD_SA response
        peers.Advance(TimeSpan.FromSeconds(60));
        peers.Drop = null;
        peers.Advance(TimeSpan.FromSeconds(2));
        ChildSaDeleted expired = peers.Single<ChildSaDeleted>(peers.EventsA);
        Assert.Equal(first, expired.InboundSpi);
        Assert.False(expired.Replaced);

        peers.Advance(TimeSpan.FromSeconds(2)); // retransmission: the new SA arrives
        peers.Advance(TimeSpan.FromSeconds(1)); // then the pending DELETE of the expired SA goes out

        (ChildSaStatus a, _) = OneMirroredChild(peers);
        Assert.NotEqual(first, a.InboundSpi);
        Assert.Single(peers.EventsA.OfType<ChildSaDeleted>());
        Assert.Equal(first, peers.EventsA.OfType<ChildSaEstablished>().Last().RekeyOfInboundSpi);
    }

    [Fact]
    public void An_ike_sa_past_its_hard_lifetime_is_deleted_and_reported_as_an_outage()
    {
        TestPeers peers = Pair(new SaLifetimes(null, null, null, TimeSpan.FromMinutes(5)));
        peers.Advance(TimeSpan.FromMinutes(5));
        Assert.False(peers.Single<IkeSaDeleted>(peers.EventsA).Replaced);
        Assert.False(peers.Single<IkeSaDeleted>(peers.EventsB).Replaced);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
        Assert.Null(peers.B.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void Default_life_time_is_rekey_time_plus_ten_percent()
    {
        Assert.Equal(TimeSpan.FromMinutes(66), SaLifetimes.DefaultLife(TimeSpan.FromHours(1), null));
        Assert.Equal(TimeSpan.FromMinutes(5), SaLifetimes.DefaultLife(TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)));
        Assert.Null(SaLifetimes.DefaultLife(null, null));
    }

    [Fact]
    public void Rekeying_on_time_keeps_the_sa_from_ever_reaching_its_hard_lifetime()
    {
        TestPeers peers = Pair(new SaLifetimes(TimeSpan.FromMinutes(1), null, TimeSpan.FromMinutes(3), null));
        for (int i = 0; i < 600; i++)
            peers.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(peers.EventsA.OfType<ChildSaDeleted>(), d => !d.Replaced);
        Assert.DoesNotContain(peers.EventsA.OfType<IkeSaDeleted>(), d => !d.Replaced);
        Assert.True(peers.EventsA.OfType<ChildSaEstablished>().Count() >= 10);
        OneMirroredChild(peers);
    }
}

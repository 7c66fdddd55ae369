namespace Appliance.Ike.Tests.Engine;

public class LossAndRetransmitTests
{
    // Datagram order on a clean link: 0 IKE_SA_INIT request, 1 its response, 2 IKE_AUTH request, 3 its response.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_lost_message_is_recovered_by_retransmission(int lost)
    {
        var peers = TestPeers.Standard();
        peers.Drop = (index, _, _) => index == lost;
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Empty(peers.EventsA.OfType<IkeSaEstablished>());

        peers.Advance(TimeSpan.FromSeconds(4)); // strongSwan's first retransmit timeout
        peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Single<ChildSaEstablished>(peers.EventsA);
        peers.Single<ChildSaEstablished>(peers.EventsB);
        Assert.Equal(1, peers.A.Counters[IkeCounter.RetransmitsSent]);
        // A lost response is answered from the responder's cache, not processed twice.
        Assert.Equal(lost % 2 == 1 ? 1 : 0, peers.B.Counters[IkeCounter.CachedResponsesSent]);
    }

    [Fact]
    public void Retransmissions_back_off_exponentially_then_give_up()
    {
        var peers = TestPeers.Standard();
        var sendTimes = new List<DateTimeOffset>();
        peers.Drop = (_, fromA, _) =>
        {
            if (fromA) sendTimes.Add(peers.Time.GetUtcNow());
            return true;
        };
        peers.A.Initiate("to-b");
        peers.Pump();
        for (int i = 0; i < 400 && peers.EventsA.Count == 0; i++)
        {
            TimeSpan? next = peers.A.Tick();
            Assert.NotNull(next);
            peers.Time.Advance(next.Value);
            peers.A.Tick();
            peers.Pump();
        }
        // 4 s × 1.8^n: sends at 0, 4, 11.2, 24.16, 47.49, 89.48; gives up 75.58 s after the last one.
        double[] offsets = sendTimes.Select(t => (t - sendTimes[0]).TotalSeconds).ToArray();
        Assert.Equal(6, offsets.Length);
        double[] expected = [0, 4, 11.2, 24.16, 47.488, 89.4784];
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], offsets[i], 3);
        peers.Single<PeerUnreachable>(peers.EventsA);
        Assert.Equal(1, peers.A.Counters[IkeCounter.PeerUnreachable]);
        Assert.Equal(5, peers.A.Counters[IkeCounter.RetransmitsSent]);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
        Assert.Null(peers.A.Tick());
    }

    [Fact]
    public void Retransmission_settings_are_configurable()
    {
        var options = new IkeEngineOptions { RetransmitTimeout = TimeSpan.FromSeconds(1), RetransmitBase = 2, RetransmitTries = 2 };
        var peers = new TestPeers(optionsA: options);
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.Drop = (_, _, _) => true;
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Advance(TimeSpan.FromSeconds(1));
        peers.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(peers.EventsA);
        peers.Advance(TimeSpan.FromSeconds(4));
        peers.Single<PeerUnreachable>(peers.EventsA);
    }

    [Fact]
    public void Random_loss_of_a_third_still_converges()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var loss = new Random(seed);
            var peers = TestPeers.Standard();
            peers.Drop = (_, _, _) => loss.Next(3) == 0;
            peers.A.Initiate("to-b");
            peers.Pump();
            for (int i = 0; i < 20 && !peers.EventsA.OfType<ChildSaEstablished>().Any() && !peers.EventsA.OfType<PeerUnreachable>().Any(); i++)
                peers.Advance(TimeSpan.FromSeconds(30));
            if (peers.EventsA.OfType<PeerUnreachable>().Any())
                continue; // five losses in a row of one message: a legitimate give-up
            ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
            ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
            Assert.Equal(a.Outbound.EncryptionKey, b.Inbound.EncryptionKey);
        }
    }

    [Fact]
    public void Half_open_responder_sas_expire()
    {
        var peers = TestPeers.Standard();
        peers.Drop = (index, _, _) => index >= 2; // IKE_AUTH never arrives
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Time.Advance(TimeSpan.FromSeconds(31));
        peers.B.Tick();
        Assert.Equal(1, peers.B.Counters[IkeCounter.HalfOpenExpired]);
    }
}

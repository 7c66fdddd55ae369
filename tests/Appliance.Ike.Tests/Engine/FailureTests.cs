using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

public class FailureTests
{
    [Fact]
    public void Wrong_psk_fails_authentication_on_both_sides()
    {
        var peers = TestPeers.Standard(pskB: "a different secret");
        peers.A.Initiate("to-b");
        peers.Pump();

        Assert.Contains("AUTHENTICATION_FAILED", peers.Single<AuthenticationFailed>(peers.EventsA).Detail);
        peers.Single<AuthenticationFailed>(peers.EventsB);
        Assert.Empty(peers.EventsA.OfType<IkeSaEstablished>());
        Assert.Empty(peers.EventsB.OfType<IkeSaEstablished>());
        Assert.Equal(1, peers.A.Counters[IkeCounter.AuthenticationFailed]);
        Assert.Equal(1, peers.B.Counters[IkeCounter.AuthenticationFailed]);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
        Assert.Null(peers.B.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void Unknown_peer_identity_fails_authentication()
    {
        var peers = new TestPeers();
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "intruder.example.com", "b.example.com"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, null, "b.example.com", "a.example.com"));
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<AuthenticationFailed>(peers.EventsA);
        Assert.Contains("intruder.example.com", peers.Single<AuthenticationFailed>(peers.EventsB).Detail);
    }

    [Fact]
    public void No_common_ike_proposal_gives_NO_PROPOSAL_CHOSEN()
    {
        var peers = TestPeers.Standard(ike: "aes256gcm16-prfsha256-curve25519", ikeB: "aes128-sha256-modp2048");
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<NoProposalChosen>(peers.EventsA);
        peers.Single<NoProposalChosen>(peers.EventsB);
        Assert.Equal(1, peers.B.Counters[IkeCounter.NoProposalChosen]);
        Assert.Empty(peers.EventsA.OfType<IkeSaEstablished>());
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void No_common_esp_proposal_keeps_the_ike_sa_without_child()
    {
        var peers = TestPeers.Standard(esp: "aes256gcm16", espB: "chacha20poly1305");
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Single<NoProposalChosen>(peers.EventsA);
        peers.Single<NoProposalChosen>(peers.EventsB);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        Assert.Empty(peers.EventsB.OfType<ChildSaEstablished>());
        Assert.Empty(peers.A.GetStatus().Tunnels[0].ChildSas);
    }

    [Fact]
    public void Disjoint_traffic_selectors_give_TS_UNACCEPTABLE()
    {
        var peers = new TestPeers();
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com",
            localTs: "10.1.0.0/16", remoteTs: "10.9.0.0/16"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, null, "b.example.com", "a.example.com",
            localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<TrafficSelectorsUnacceptable>(peers.EventsA);
        peers.Single<TrafficSelectorsUnacceptable>(peers.EventsB);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
    }

    [Fact]
    public void Invalid_ke_payload_makes_the_initiator_retry_with_the_responders_group()
    {
        var peers = TestPeers.Standard(ike: "aes256gcm16-prfsha256-curve25519-ecp256", ikeB: "aes256gcm16-prfsha256-ecp256");
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Contains("ECP", peers.Single<IkeSaEstablished>(peers.EventsA).Suite.ToUpperInvariant().Replace("CURVE", "X"));
        peers.Single<ChildSaEstablished>(peers.EventsB);
        Assert.Equal(1, peers.B.Counters[IkeCounter.InvalidKePayload]);
        Assert.Equal(1, peers.A.Counters[IkeCounter.InvalidKePayload]);
        Assert.Equal(6, peers.Delivered.Count); // INIT, INVALID_KE, INIT again, INIT reply, AUTH, AUTH reply
    }

    [Fact]
    public void Cookies_are_demanded_past_the_half_open_threshold()
    {
        var peers = TestPeers.Standard(optionsB: new IkeEngineOptions { CookieThreshold = 0 });
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Single<ChildSaEstablished>(peers.EventsB);
        Assert.Equal(1, peers.B.Counters[IkeCounter.CookiesSent]);
        Assert.Equal(6, peers.Delivered.Count); // INIT, COOKIE, INIT with cookie, reply, AUTH, reply
        Assert.Equal(0, peers.B.Counters[IkeCounter.CookiesRejected]);
    }

    [Fact]
    public void A_forged_cookie_is_rejected_and_a_fresh_one_issued()
    {
        var peers = TestPeers.Standard(optionsB: new IkeEngineOptions { CookieThreshold = 0 });
        peers.A.Initiate("to-b");
        Assert.True(peers.A.TryDequeueOutgoing(out OutgoingDatagram first));
        peers.B.HandleDatagram(first.Remote, first.Local, first.Payload);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram cookieReply));
        peers.A.HandleDatagram(cookieReply.Remote, cookieReply.Local, cookieReply.Payload);
        Assert.True(peers.A.TryDequeueOutgoing(out OutgoingDatagram withCookie));
        byte[] forged = (byte[])withCookie.Payload.Clone();
        forged[28 + 4 + 4 + 10] ^= 0x01; // inside the cookie data: header, generic header, notify header, 4-byte version
        peers.B.HandleDatagram(withCookie.Remote, withCookie.Local, forged);
        Assert.Equal(1, peers.B.Counters[IkeCounter.CookiesRejected]);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram again));
        Assert.True(PayloadCodec.TryDecodeMessage(again.Payload, out DecodedMessage? reply).IsOk);
        Assert.Equal(NotifyType.Cookie, Assert.IsType<NotifyPayload>(Assert.Single(reply!.Payloads)).NotifyType);
        peers.B.HandleDatagram(withCookie.Remote, withCookie.Local, withCookie.Payload);
        peers.Pump();
        peers.Single<IkeSaEstablished>(peers.EventsA);
    }
}

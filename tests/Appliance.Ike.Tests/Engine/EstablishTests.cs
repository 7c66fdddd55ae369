namespace Appliance.Ike.Tests.Engine;

public class EstablishTests
{
    public static TheoryData<string, string> Suites => new()
    {
        // Every DH group (14, 19, 20, 21, 31), every SK protection (GCM 128/256, ChaCha20-Poly1305,
        // CBC + HMAC-SHA2-256/384/512) and every PRF (SHA2-256/384/512), with the ESP suites of the issue.
        { "aes256gcm16-prfsha256-curve25519", "aes256gcm16" },
        { "aes128gcm16-prfsha384-ecp256", "aes128gcm16" },
        { "chacha20poly1305-prfsha512-ecp384", "chacha20poly1305" },
        { "aes128-sha256-modp2048", "aes128-sha256" },
        { "aes256-sha384-ecp521", "aes256-sha384" },
        { "aes256-sha512-curve25519", "aes256-sha512" },
        { "aes256gcm16-prfsha384-ecp384", "aes256gcm16-esn" },
        { "aes128-sha256-modp2048", "aes256gcm16-ecp256" },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Both_peers_establish_and_derive_mirrored_child_keys(string ike, string esp)
    {
        var peers = TestPeers.Standard(ike, esp);
        peers.A.Initiate("to-b");
        peers.Pump();

        IkeSaEstablished ikeA = peers.Single<IkeSaEstablished>(peers.EventsA);
        IkeSaEstablished ikeB = peers.Single<IkeSaEstablished>(peers.EventsB);
        Assert.True(ikeA.IsInitiator);
        Assert.False(ikeB.IsInitiator);
        Assert.Equal(ikeA.InitiatorSpi, ikeB.InitiatorSpi);
        Assert.Equal(ikeA.ResponderSpi, ikeB.ResponderSpi);
        Assert.Equal(ikeA.Suite, ikeB.Suite);
        Assert.Equal(ikeA.Keys.SkEi, ikeB.Keys.SkEi);
        Assert.Equal(ikeA.Keys.SkAr, ikeB.Keys.SkAr);
        Assert.Equal("b.example.com", ikeA.RemoteId.ToString());
        Assert.Equal("a.example.com", ikeB.RemoteId.ToString());

        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        Assert.Equal(a.InboundSpi, b.OutboundSpi);
        Assert.Equal(a.Outbound.EncryptionKey, b.Inbound.EncryptionKey);
        Assert.Equal(a.Outbound.Salt, b.Inbound.Salt);
        Assert.Equal(a.Outbound.IntegrityKey, b.Inbound.IntegrityKey);
        Assert.Equal(a.Inbound.EncryptionKey, b.Outbound.EncryptionKey);
        Assert.Equal(a.Inbound.IntegrityKey, b.Outbound.IntegrityKey);
        Assert.NotEqual(a.Inbound.EncryptionKey, a.Outbound.EncryptionKey);
        Assert.Equal(a.Suite, b.Suite);
        Assert.Equal(esp.EndsWith("-esn"), a.Esn);
        Assert.Equal(a.Esn, b.Esn);
        Assert.Equal(a.LocalTs, b.RemoteTs);
        Assert.Equal(a.RemoteTs, b.LocalTs);
        Assert.False(a.UdpEncapsulation);

        bool aead = !esp.Contains("sha");
        Assert.Equal(aead ? 4 : 0, a.Outbound.Salt.Length);
        Assert.Equal(aead ? 0 : int.Parse(esp.Split('-')[1][3..]) / 8, a.Outbound.IntegrityKey.Length);
        Assert.Equal(a.EncryptionKeyBits / 8, a.Outbound.EncryptionKey.Length);

        IkeStatus status = peers.A.GetStatus();
        TunnelStatus t = Assert.Single(status.Tunnels);
        Assert.Equal(IkeSaState.Established, t.IkeSa!.State);
        Assert.Single(t.ChildSas);
        Assert.Empty(peers.EventsA.OfType<AuthenticationFailed>());
    }

    [Fact]
    public void Initiate_is_idempotent_while_connecting_or_up()
    {
        var peers = TestPeers.Standard();
        peers.A.Initiate("to-b");
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Single(peers.EventsA.OfType<IkeSaEstablished>());
        Assert.Single(peers.EventsB.OfType<IkeSaEstablished>());
    }

    [Fact]
    public void Equal_seeds_give_byte_identical_exchanges()
    {
        static List<byte[]> Run()
        {
            var peers = TestPeers.Standard();
            peers.A.Initiate("to-b");
            peers.Pump();
            return peers.Delivered.Select(d => d.Datagram.Payload).ToList();
        }
        List<byte[]> first = Run(), second = Run();
        Assert.Equal(4, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Traffic_selectors_are_narrowed_to_the_responders_policy()
    {
        var peers = new TestPeers();
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com",
            localTs: "10.1.0.0/16", remoteTs: "0.0.0.0/0"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, TestPeers.AddressA, "b.example.com", "a.example.com",
            localTs: "10.2.5.0/24,10.3.0.0/16[tcp/443]", remoteTs: "10.1.7.0/24"));
        peers.A.Initiate("to-b");
        peers.Pump();

        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        Assert.Equal([TrafficSelector.Parse("10.1.7.0/24")], a.LocalTs);
        Assert.Equal([TrafficSelector.Parse("10.2.5.0/24"), TrafficSelector.Parse("10.3.0.0/16[tcp/443]")], a.RemoteTs);
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.Equal(a.LocalTs, b.RemoteTs);
        Assert.Equal(a.RemoteTs, b.LocalTs);
    }

    [Fact]
    public void Transport_mode_is_negotiated_with_USE_TRANSPORT_MODE()
    {
        var peers = new TestPeers();
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "192.0.2.1", "198.51.100.2",
            localTs: "192.0.2.1/32", remoteTs: "198.51.100.2/32", mode: IpsecMode.Transport));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, TestPeers.AddressA, "198.51.100.2", "192.0.2.1",
            localTs: "198.51.100.2/32", remoteTs: "192.0.2.1/32", mode: IpsecMode.Transport));
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Equal(IpsecMode.Transport, peers.Single<ChildSaEstablished>(peers.EventsA).Child.Mode);
        Assert.Equal(IpsecMode.Transport, peers.Single<ChildSaEstablished>(peers.EventsB).Child.Mode);
    }

    [Fact]
    public void Forced_udp_encapsulation_moves_to_port_4500_on_both_sides()
    {
        var peers = TestPeers.Standard(forceEncap: true);
        peers.A.Initiate("to-b");
        peers.Pump();
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.True(a.UdpEncapsulation);
        Assert.True(b.UdpEncapsulation);
        Assert.Equal(4500, a.RemoteEndpoint.Port);
        Assert.Equal(4500, b.LocalEndpoint.Port);
        Assert.Equal(500, peers.Delivered[0].Datagram.Remote.Port);
        Assert.Equal(4500, peers.Delivered[2].Datagram.Remote.Port);
    }

    [Fact]
    public void A_nat_in_front_of_the_initiator_is_detected_and_both_use_udp_encapsulation()
    {
        var peers = TestPeers.Standard();
        peers.NatPublicAddress = System.Net.IPAddress.Parse("203.0.113.7");
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.True(peers.Single<IkeSaEstablished>(peers.EventsA).NatDetected);
        Assert.True(peers.Single<IkeSaEstablished>(peers.EventsB).NatDetected);
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.True(a.UdpEncapsulation && b.UdpEncapsulation);
        Assert.Equal(4500, a.LocalEndpoint.Port);
        Assert.Equal(4500, a.RemoteEndpoint.Port);
        // The responder answers, and sends ESP, to the NAT's public mapping of the initiator's port 4500.
        Assert.Equal(new System.Net.IPEndPoint(peers.NatPublicAddress, 44500), b.RemoteEndpoint);
        peers.A.Terminate("to-b");
        peers.Pump();
        peers.Single<IkeSaDeleted>(peers.EventsB);
    }

    [Fact]
    public void A_nat_rebinding_moves_ike_and_the_child_sas_to_the_new_mapping()
    {
        var peers = TestPeers.Standard();
        peers.NatPublicAddress = System.Net.IPAddress.Parse("203.0.113.7");
        peers.A.Initiate("to-b");
        peers.Pump();
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.Empty(peers.EventsB.OfType<PeerEndpointChanged>());

        peers.NatPublicAddress = System.Net.IPAddress.Parse("203.0.113.99"); // the home router got a new address
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        PeerEndpointChanged moved = peers.Single<PeerEndpointChanged>(peers.EventsB);
        Assert.Equal(new System.Net.IPEndPoint(peers.NatPublicAddress, 44500), moved.Remote);
        Assert.Equal([b.InboundSpi], moved.InboundSpis);
        Assert.Equal(moved.Remote, peers.B.GetStatus().Tunnels[0].IkeSa!.Remote);
        // The responder's own requests now reach the initiator through the new mapping.
        peers.B.CheckLiveness("to-a");
        peers.Pump();
        Assert.Empty(peers.EventsB.OfType<PeerUnreachable>());
        Assert.Equal(0, peers.B.Counters[IkeCounter.RetransmitsSent]);
    }

    [Fact]
    public void Without_a_nat_there_is_no_encapsulation()
    {
        var peers = TestPeers.Standard();
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.False(peers.Single<IkeSaEstablished>(peers.EventsA).NatDetected);
        Assert.False(peers.Single<IkeSaEstablished>(peers.EventsB).NatDetected);
        Assert.All(peers.Delivered, d => Assert.Equal(500, d.Datagram.Remote.Port));
    }

    [Fact]
    public void Ipv6_peers_and_selectors_work()
    {
        var peers = new TestPeers();
        var a6 = System.Net.IPAddress.Parse("2001:db8::1");
        var b6 = System.Net.IPAddress.Parse("2001:db8::2");
        peers.A.AddTunnel(TestPeers.Config("to-b", a6, b6, "a.example.com", "b.example.com", localTs: "2001:db8:a::/48", remoteTs: "2001:db8:b::/48"));
        peers.B.AddTunnel(TestPeers.Config("to-a", b6, null, "b.example.com", "a.example.com", localTs: "2001:db8:b::/48", remoteTs: "2001:db8:a::/48"));
        peers.A.Initiate("to-b");
        peers.Pump();
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        Assert.Equal([TrafficSelector.Parse("2001:db8:b::/48")], a.RemoteTs);
        Assert.Equal(b6, a.RemoteEndpoint.Address);
        Assert.False(a.UdpEncapsulation);
    }

    [Fact]
    public void A_responder_with_several_tunnels_picks_the_one_for_the_peers_identity_and_key()
    {
        var peers = new TestPeers();
        peers.A.AddTunnel(TestPeers.Config("to-hub", TestPeers.AddressA, TestPeers.AddressB, "branch2.example.com", "hub.example.com",
            psk: "branch two key", localTs: "10.22.0.0/16", remoteTs: "10.0.0.0/8"));
        peers.B.AddTunnel(TestPeers.Config("branch1", TestPeers.AddressB, null, "hub.example.com", "branch1.example.com",
            psk: "branch one key", localTs: "10.0.0.0/8", remoteTs: "10.11.0.0/16"));
        peers.B.AddTunnel(TestPeers.Config("branch2", TestPeers.AddressB, null, "hub.example.com", "branch2.example.com",
            psk: "branch two key", localTs: "10.0.0.0/8", remoteTs: "10.22.0.0/16"));
        peers.A.Initiate("to-hub");
        peers.Pump();
        Assert.Equal("branch2", peers.Single<ChildSaEstablished>(peers.EventsB).TunnelName);
        TunnelStatus[] hub = [.. peers.B.GetStatus().Tunnels];
        Assert.Null(hub.Single(t => t.Name == "branch1").IkeSa);
        Assert.Equal(IkeSaState.Established, hub.Single(t => t.Name == "branch2").IkeSa!.State);
    }

    [Fact]
    public void Identities_of_every_type_authenticate()
    {
        foreach ((string ia, string ib) in new[] { ("192.0.2.1", "198.51.100.2"), ("2001:db8::1", "2001:db8::2"), ("a@example.com", "b@example.com"),
                     ("keyid:#0a0b0c", "keyid:#0d0e0f") })
        {
            var peers = new TestPeers();
            peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, ia, ib));
            peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, null, ib, ia, localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
            peers.A.Initiate("to-b");
            peers.Pump();
            Assert.Equal(ib, peers.Single<IkeSaEstablished>(peers.EventsA).RemoteId.ToString());
            Assert.Equal(ia, peers.Single<IkeSaEstablished>(peers.EventsB).RemoteId.ToString());
        }
    }
}

using System.Net;
using System.Buffers.Binary;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

public class InformationalTests
{
    private static TestPeers Established()
    {
        var peers = TestPeers.Standard();
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<ChildSaEstablished>(peers.EventsB);
        return peers;
    }

    [Fact]
    public void Terminate_deletes_the_ike_sa_and_its_child_on_both_sides()
    {
        TestPeers peers = Established();
        peers.A.Terminate("to-b");
        Assert.Equal(IkeSaState.Deleting, peers.A.GetStatus().Tunnels[0].IkeSa!.State);
        peers.Pump();
        Assert.False(peers.Single<IkeSaDeleted>(peers.EventsA).Replaced); // a real teardown
        peers.Single<IkeSaDeleted>(peers.EventsB);
        ChildSaDeleted childA = peers.Single<ChildSaDeleted>(peers.EventsA);
        Assert.False(childA.Replaced);
        ChildSaDeleted childB = peers.Single<ChildSaDeleted>(peers.EventsB);
        Assert.Equal(childA.InboundSpi, childB.OutboundSpi);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
        Assert.Null(peers.B.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void Terminate_during_ike_auth_deletes_the_sa_once_it_is_up_so_the_peer_keeps_nothing_stale()
    {
        var peers = TestPeers.Standard();
        peers.A.Initiate("to-b");
        Assert.True(peers.A.TryDequeueOutgoing(out OutgoingDatagram init));
        peers.B.HandleDatagram(init.Remote, init.Local, init.Payload);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram initReply));
        peers.A.HandleDatagram(initReply.Remote, initReply.Local, initReply.Payload); // A sends IKE_AUTH now
        peers.A.Terminate("to-b");
        peers.Pump();
        peers.Single<IkeSaDeleted>(peers.EventsA);
        peers.Single<IkeSaDeleted>(peers.EventsB);
        Assert.Null(peers.B.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void The_responder_can_terminate_too()
    {
        TestPeers peers = Established();
        peers.B.Terminate("to-a");
        peers.Pump();
        peers.Single<IkeSaDeleted>(peers.EventsA);
        peers.Single<IkeSaDeleted>(peers.EventsB);
    }

    [Fact]
    public void A_lost_delete_response_still_ends_the_sa_after_retransmits()
    {
        TestPeers peers = Established();
        int count = peers.Delivered.Count;
        peers.Drop = (index, fromA, _) => !fromA;
        peers.A.Terminate("to-b");
        peers.Pump();
        peers.Single<IkeSaDeleted>(peers.EventsB);
        for (int i = 0; i < 10; i++)
            peers.Advance(TimeSpan.FromSeconds(100));
        peers.Single<IkeSaDeleted>(peers.EventsA);
        Assert.True(peers.Delivered.Count > count);
    }

    [Fact]
    public void RemoveTunnel_deletes_gracefully_and_frees_the_name()
    {
        TestPeers peers = Established();
        peers.A.RemoveTunnel("to-b");
        peers.Pump();
        peers.Single<IkeSaDeleted>(peers.EventsA);
        peers.Single<IkeSaDeleted>(peers.EventsB);
        Assert.Empty(peers.A.GetStatus().Tunnels);
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Equal(2, peers.EventsA.OfType<IkeSaEstablished>().Count());
    }

    [Fact]
    public void An_unknown_critical_payload_in_a_request_is_answered_with_UNSUPPORTED_CRITICAL_PAYLOAD()
    {
        TestPeers peers = Established();
        // A payload of unassigned type 200 with the critical bit, encoded by hand inside the SK payload.
        var unknown = new UnknownPayload(200, [1, 2, 3, 4]);
        IkeSaEstablished e = peers.Single<IkeSaEstablished>(peers.EventsA);
        var enc = (EncryptionAlgorithm)e.Keys.EncryptionTransformId;
        using var toResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, (IntegrityAlgorithm)e.Keys.IntegrityTransformId, e.Keys.SkEi, e.Keys.SkAi);
        using var fromResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, (IntegrityAlgorithm)e.Keys.IntegrityTransformId, e.Keys.SkEr, e.Keys.SkAr);
        byte[] plain = PayloadCodec.EncodeChain([unknown]);
        plain[1] = 0x80; // critical
        var header = new IkeHeader(e.InitiatorSpi, e.ResponderSpi, PayloadType.EncryptedAndAuthenticated, IkeHeader.Ikev2,
            ExchangeType.Informational, IkeFlags.Initiator, 2, 0);
        byte[] message = new byte[28 + 4 + toResponder.GetProtectedLength(plain.Length)];
        byte[] head = PayloadCodec.EncodePlain(header, []);
        head.AsSpan(0, 28).CopyTo(message);
        message[16] = (byte)PayloadType.EncryptedAndAuthenticated;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(24), (uint)message.Length);
        message[28] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(30), (ushort)(message.Length - 28));
        toResponder.Protect(message.AsSpan(0, 32), plain, new byte[toResponder.IvSize], message.AsSpan(32));
        peers.B.HandleDatagram(e.Remote, e.Local, message);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram reply));
        Assert.True(PayloadCodec.TryDecodeMessage(reply.Payload, out DecodedMessage? response).IsOk);
        var inner = new List<IkePayload>();
        Assert.Equal(SkCodec.OpenStatus.Ok, SkCodec.TryOpen(response!, fromResponder, inner, out _));
        NotifyPayload n = Assert.IsType<NotifyPayload>(Assert.Single(inner));
        Assert.Equal(NotifyType.UnsupportedCriticalPayload, n.NotifyType);
        Assert.Equal(new byte[] { 200 }, n.Data);
        Assert.Equal(1, peers.B.Counters[IkeCounter.UnsupportedCriticalPayload]);
    }

    [Fact]
    public void Dead_peer_detection_probes_an_idle_peer_and_gives_up_when_it_is_gone()
    {
        var peers = new TestPeers(optionsA: new IkeEngineOptions { DpdDelay = TimeSpan.FromSeconds(30) });
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, null, "b.example.com", "a.example.com", localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Equal(TimeSpan.FromSeconds(30), peers.A.Tick());
        peers.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(4, peers.Delivered.Count);
        peers.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(6, peers.Delivered.Count); // empty INFORMATIONAL and its answer
        Assert.Empty(peers.EventsA.OfType<PeerUnreachable>());

        peers.Drop = (_, _, _) => true; // the peer vanishes
        for (int i = 0; i < 12; i++)
            peers.Advance(TimeSpan.FromSeconds(30));
        peers.Single<PeerUnreachable>(peers.EventsA);
        peers.Single<IkeSaDeleted>(peers.EventsA);
    }

    [Fact]
    public void A_rebooted_peer_is_noticed_by_dpd_and_the_tunnel_is_made_again_with_it()
    {
        var options = new IkeEngineOptions { DpdDelay = TimeSpan.FromSeconds(30), RetransmitTimeout = TimeSpan.FromSeconds(1), RetransmitTries = 2 };
        var peers = new TestPeers(optionsA: options);
        IkeTunnelConfig configB = TestPeers.Config("to-a", TestPeers.AddressB, null, "b.example.com", "a.example.com", localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16");
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(configB);
        peers.A.Initiate("to-b");
        peers.Pump();
        uint before = peers.Single<ChildSaEstablished>(peers.EventsA).Child.InboundSpi;

        peers.RebootB();
        peers.B.AddTunnel(configB);
        DateTimeOffset rebooted = peers.Time.GetUtcNow();
        for (int s = 0; s < 60 && !peers.EventsA.OfType<PeerUnreachable>().Any(); s++)
            peers.Advance(TimeSpan.FromSeconds(1));
        // DPD probe after 30 s of silence, retransmitted after 1 s and 1.8 s, given up 3.24 s later.
        TimeSpan noticed = peers.Time.GetUtcNow() - rebooted;
        Assert.InRange(noticed, TimeSpan.FromSeconds(36), TimeSpan.FromSeconds(38));
        Assert.Contains(peers.EventsA.OfType<ChildSaDeleted>(), d => d.InboundSpi == before && !d.Replaced);

        // What the host does on PeerUnreachable with DpdAction restart.
        peers.A.Initiate("to-b");
        peers.Pump();
        ChildSaInfo again = peers.EventsA.OfType<ChildSaEstablished>().Last().Child;
        ChildSaInfo atB = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.NotEqual(before, again.InboundSpi);
        Assert.Equal((again.InboundSpi, again.OutboundSpi), (atB.OutboundSpi, atB.InboundSpi));
        Assert.Equal(again.Outbound.EncryptionKey, atB.Inbound.EncryptionKey);
        Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
    }

    [Fact]
    public void With_dpd_on_a_silent_peer_is_dead_after_three_intervals_although_retransmissions_remain()
    {
        // Default back-off (4 s × 1.8^n, 5 tries) alone would give up about 195 s after the last message.
        var peers = new TestPeers(optionsA: new IkeEngineOptions { DpdDelay = TimeSpan.FromSeconds(30) });
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, null, "b.example.com", "a.example.com", localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
        peers.A.Initiate("to-b");
        peers.Pump();
        DateTimeOffset lastHeard = peers.Time.GetUtcNow();
        peers.Drop = (_, _, _) => true;
        for (int s = 0; s < 300 && !peers.EventsA.OfType<PeerUnreachable>().Any(); s++)
            peers.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(90), peers.Time.GetUtcNow() - lastHeard);
        Assert.Single(peers.EventsA.OfType<PeerUnreachable>());
    }

    [Fact]
    public void Liveness_check_is_answered()
    {
        TestPeers peers = Established();
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        Assert.Equal(6, peers.Delivered.Count);
        Assert.Equal(IkeSaState.Established, peers.A.GetStatus().Tunnels[0].IkeSa!.State);
        Assert.Null(peers.A.Tick());
    }

    [Fact]
    public void Unanswered_liveness_check_declares_the_peer_unreachable()
    {
        TestPeers peers = Established();
        peers.Drop = (_, _, _) => true;
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        for (int i = 0; i < 10; i++)
            peers.Advance(TimeSpan.FromSeconds(60));
        peers.Single<PeerUnreachable>(peers.EventsA);
        peers.Single<IkeSaDeleted>(peers.EventsA);
        peers.Single<ChildSaDeleted>(peers.EventsA);
    }

    /// <summary>Plays the initiator by hand with the keys from IkeSaEstablished (the KeyLog data).</summary>
    private static (OutgoingDatagram Request, DecodedMessage Response, List<IkePayload> Inner) Exchange(TestPeers peers,
        ExchangeType exchange, uint messageId, List<IkePayload> payloads, IkeSaEstablished? sa = null)
    {
        IkeSaEstablished e = sa ?? peers.Single<IkeSaEstablished>(peers.EventsA);
        var enc = (EncryptionAlgorithm)e.Keys.EncryptionTransformId;
        var integ = (IntegrityAlgorithm)e.Keys.IntegrityTransformId;
        using var toResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, integ, e.Keys.SkEi, e.Keys.SkAi);
        using var fromResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, integ, e.Keys.SkEr, e.Keys.SkAr);
        var header = new IkeHeader(e.InitiatorSpi, e.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, exchange, IkeFlags.Initiator, messageId, 0);
        var iv = new byte[toResponder.IvSize];
        BinaryPrimitives.WriteUInt32BigEndian(iv.AsSpan(iv.Length - 4), 0x77770000 + messageId);
        byte[] bytes = SkCodec.Encode(header, payloads, toResponder, iv);
        IPEndPoint a = new(TestPeers.AddressA, 500), b = new(TestPeers.AddressB, 500);
        peers.B.HandleDatagram(b, a, bytes);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram reply));
        Assert.True(PayloadCodec.TryDecodeMessage(reply.Payload, out DecodedMessage? response).IsOk);
        var inner = new List<IkePayload>();
        Assert.Equal(SkCodec.OpenStatus.Ok, SkCodec.TryOpen(response!, fromResponder, inner, out _));
        Assert.True(response!.Header.IsResponse);
        Assert.Equal(messageId, response.Header.MessageId);
        return (new OutgoingDatagram(a, b, bytes), response, inner);
    }

    [Fact]
    public void Ike_sa_rekey_moves_the_child_sas_to_the_new_ike_sa()
    {
        TestPeers peers = Established();
        IkeSaEstablished oldSa = peers.Single<IkeSaEstablished>(peers.EventsB);
        using var kex = KeyExchange.Create(DhGroup.Curve25519);
        var ikeProposal = new Proposal(1, ProtocolId.Ike, [1, 2, 3, 4, 5, 6, 7, 8], [new Transform(TransformType.Encryption, 20, 256),
            new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)]);
        var (_, _, inner) = Exchange(peers, ExchangeType.CreateChildSa, 2,
            [new SaPayload([ikeProposal]), new NoncePayload(Enumerable.Repeat((byte)9, 32).ToArray()), new KePayload(31, kex.PublicValue.ToArray())]);
        SaPayload reply = Assert.Single(inner.OfType<SaPayload>());
        Assert.Equal(8, reply.Proposals[0].Spi.Length);
        Assert.Equal(31, Assert.Single(inner.OfType<KePayload>()).DhGroup);
        peers.Collect();
        IkeSaEstablished fresh = peers.EventsB.OfType<IkeSaEstablished>().Last();
        Assert.Equal(0x0102030405060708ul, fresh.InitiatorSpi);
        Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(reply.Proposals[0].Spi), fresh.ResponderSpi);
        Assert.NotEqual(oldSa.Keys.SkEi, fresh.Keys.SkEi);

        // The peer deletes the old IKE SA: only that one goes, the Child SA lives on under the new one.
        Exchange(peers, ExchangeType.Informational, 3, [new DeletePayload(ProtocolId.Ike, [])]);
        peers.Collect();
        Assert.Equal(oldSa.ResponderSpi, peers.Single<IkeSaDeleted>(peers.EventsB).ResponderSpi);
        Assert.Empty(peers.EventsB.OfType<ChildSaDeleted>());
        TunnelStatus t = peers.B.GetStatus().Tunnels[0];
        Assert.Equal(fresh.ResponderSpi, t.IkeSa!.ResponderSpi);
        Assert.Single(t.ChildSas);
        // Message IDs restart at zero on the new IKE SA, protected with its keys.
        Exchange(peers, ExchangeType.Informational, 0, [], fresh);
    }

    private static Proposal EspProposal(uint spi) => new(1, ProtocolId.Esp, SpiBytes(spi),
        [new Transform(TransformType.Encryption, 20, 256), new Transform(TransformType.ExtendedSequenceNumbers, 0)]);

    private static byte[] SpiBytes(uint spi)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, spi);
        return b;
    }

    [Fact]
    public void Child_sa_rekey_creates_the_new_sa_and_the_old_one_goes_with_the_peers_delete()
    {
        TestPeers peers = Established();
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo oldB = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        var (_, _, inner) = Exchange(peers, ExchangeType.CreateChildSa, 2,
        [
            new NotifyPayload(ProtocolId.Esp, SpiBytes(a.InboundSpi), NotifyType.RekeySa, []), new SaPayload([EspProposal(0x12345678)]),
            new NoncePayload(Enumerable.Repeat((byte)7, 32).ToArray()),
            new TsPayload(false, [TrafficSelector.Parse("10.1.0.0/16")]), new TsPayload(true, [TrafficSelector.Parse("10.2.0.0/16")]),
        ]);
        SaPayload sa = Assert.Single(inner.OfType<SaPayload>());
        Assert.Single(inner.OfType<NoncePayload>());
        Assert.Equal(2, inner.OfType<TsPayload>().Count());
        uint newInbound = BinaryPrimitives.ReadUInt32BigEndian(sa.Proposals[0].Spi);
        peers.Collect();
        ChildSaEstablished rekeyed = peers.EventsB.OfType<ChildSaEstablished>().Last();
        Assert.Equal(oldB.InboundSpi, rekeyed.RekeyOfInboundSpi);
        Assert.Equal(newInbound, rekeyed.Child.InboundSpi);
        Assert.Equal(0x12345678u, rekeyed.Child.OutboundSpi);
        Assert.NotEqual(oldB.Inbound.EncryptionKey, rekeyed.Child.Inbound.EncryptionKey);
        Assert.Equal(2, peers.B.GetStatus().Tunnels[0].ChildSas.Count);

        Exchange(peers, ExchangeType.Informational, 3, [new DeletePayload(ProtocolId.Esp, [a.InboundSpi])]);
        ChildSaStatus left = Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Equal(newInbound, left.InboundSpi);
    }

    [Fact]
    public void Rekey_of_an_unknown_child_sa_gets_CHILD_SA_NOT_FOUND()
    {
        TestPeers peers = Established();
        var (_, _, inner) = Exchange(peers, ExchangeType.CreateChildSa, 2,
        [
            new NotifyPayload(ProtocolId.Esp, SpiBytes(0xdeadbeef), NotifyType.RekeySa, []), new SaPayload([EspProposal(0x1000)]),
            new NoncePayload(new byte[32]),
            new TsPayload(false, [TrafficSelector.Parse("10.1.0.0/16")]), new TsPayload(true, [TrafficSelector.Parse("10.2.0.0/16")]),
        ]);
        Assert.Equal(NotifyType.ChildSaNotFound, Assert.IsType<NotifyPayload>(Assert.Single(inner)).NotifyType);
    }

    [Fact]
    public void Deleting_a_child_sa_answers_with_our_inbound_spi()
    {
        TestPeers peers = Established();
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        var (_, _, inner) = Exchange(peers, ExchangeType.Informational, 2, [new DeletePayload(ProtocolId.Esp, [a.InboundSpi])]);
        DeletePayload d = Assert.IsType<DeletePayload>(Assert.Single(inner));
        Assert.Equal([a.OutboundSpi], d.Spis);
        peers.Collect();
        ChildSaDeleted deleted = peers.Single<ChildSaDeleted>(peers.EventsB);
        Assert.Equal(a.OutboundSpi, deleted.InboundSpi);
        Assert.Empty(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Equal(IkeSaState.Established, peers.B.GetStatus().Tunnels[0].IkeSa!.State);
    }

    [Fact]
    public void A_retransmitted_request_gets_the_cached_response_and_is_not_reprocessed()
    {
        TestPeers peers = Established();
        var (request, response, _) = Exchange(peers, ExchangeType.Informational, 2, []);
        peers.B.HandleDatagram(request.Remote, request.Local, request.Payload);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram again));
        Assert.Equal(response.Raw, again.Payload);
        Assert.Equal(1, peers.B.Counters[IkeCounter.CachedResponsesSent]);
    }

    [Fact]
    public void Old_and_future_message_ids_are_dropped()
    {
        TestPeers peers = Established();
        IkeSaEstablished e = peers.Single<IkeSaEstablished>(peers.EventsA);
        var enc = (EncryptionAlgorithm)e.Keys.EncryptionTransformId;
        using var p = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, (IntegrityAlgorithm)e.Keys.IntegrityTransformId, e.Keys.SkEi, e.Keys.SkAi);
        var header = new IkeHeader(e.InitiatorSpi, e.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, ExchangeType.Informational, IkeFlags.Initiator, 9, 0);
        peers.B.HandleDatagram(e.Remote, e.Local, SkCodec.Encode(header, [], p, new byte[p.IvSize]));
        Assert.False(peers.B.TryDequeueOutgoing(out _));
        Assert.Equal(1, peers.B.Counters[IkeCounter.InvalidMessageId]);
    }
}

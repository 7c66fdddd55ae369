using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.V1;

namespace Appliance.Ike.Tests.V1;

public sealed class ResponderTests
{
    private static List<P1Offer> WindowsOffers() =>
    [
        new P1Offer { Encryption = 7, KeyBits = 256, Hash = 2, Group = 2 },
        new P1Offer { Encryption = 5, KeyBits = 0, Hash = 2, Group = 2 },
        new P1Offer { Encryption = 7, KeyBits = 128, Hash = 2, Group = 2 },
    ];

    private static List<P1Offer> MacOffers() =>
    [
        new P1Offer { Encryption = 7, KeyBits = 256, Hash = 4, Group = 14, LifeSeconds = 3600 },
        new P1Offer { Encryption = 7, KeyBits = 128, Hash = 4, Group = 14, LifeSeconds = 3600 },
        new P1Offer { Encryption = 7, KeyBits = 256, Hash = 2, Group = 14, LifeSeconds = 3600 },
        new P1Offer { Encryption = 7, KeyBits = 256, Hash = 2, Group = 2, LifeSeconds = 3600 },
    ];

    public static TheoryData<string, bool, ushort> Profiles() => new()
    {
        { "windows", false, 0 },
        { "windows", true, 0 },
        { "windows", false, 2 },
        { "mac", false, 0 },
        { "mac", true, 0 },
        { "mac", true, 14 },
    };

    private static V1Client Configure(V1Harness h, string profile, bool nat, ushort pfs, int seed = 1, int hostByte = 10)
    {
        V1Client c = h.Client(seed, nat, hostByte: hostByte);
        c.I.Offers = profile == "windows" ? WindowsOffers() : MacOffers();
        c.I.QmOffer = profile == "windows"
            ? new P2Offer { KeyBits = 256, Auth = 2, PfsGroup = pfs, Mode = nat ? (ushort)4 : (ushort)2, ClientPort = 1701 }
            : new P2Offer { KeyBits = 256, Auth = 5, PfsGroup = pfs, Mode = nat ? (ushort)4 : (ushort)2, ClientPort = 0 };
        return c;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void MainModeAndQuickModeGiveTheInitiatorsKeys(string profile, bool nat, ushort pfs)
    {
        var h = new V1Harness();
        V1Client c = Configure(h, profile, nat, pfs);
        Assert.True(c.MainMode());
        // Strongest of the client's list: AES-256 SHA-1 MODP-1024 (Windows), AES-256 SHA-256 MODP-2048 (macOS).
        Assert.Equal(256, c.I.Chosen!.KeyBits);
        Assert.Equal(profile == "windows" ? 2 : 4, c.I.Chosen.Hash);
        Assert.Equal(profile == "windows" ? 2 : 14, c.I.Chosen.Group);
        Assert.Equal(nat, c.I.NatDetectedByPeerHashes); // the client sees the NAT in our NAT-D too
        IkeSaEstablished ike = h.Single<IkeSaEstablished>();
        Assert.Equal(nat, ike.NatDetected);
        Assert.Equal("l2tp", ike.TunnelName);
        Assert.Equal(c.SeenNow, ike.Remote);

        Assert.True(c.QuickMode());
        ChildSaEstablished child = h.Single<ChildSaEstablished>();
        ChildSaInfo info = child.Child;
        Assert.Equal(IpsecMode.Transport, info.Mode);
        Assert.Equal(Appliance.Ike.Messages.ProtocolId.Esp, info.Protocol);
        Assert.Equal(12, info.EncryptionTransformId);
        Assert.Equal(256, info.EncryptionKeyBits);
        Assert.Equal(profile == "windows" ? 2 : 12, info.IntegrityTransformId);
        Assert.False(info.Esn);
        Assert.Equal(nat, info.UdpEncapsulation);
        Assert.Equal(c.I.SpiI, info.OutboundSpi);
        Assert.Equal(c.I.SpiR, info.InboundSpi);
        // Inbound: what the peer encrypts with (KEYMAT under our SPI); outbound: KEYMAT under the peer's SPI.
        Assert.Equal(c.I.KeymatOut, TestInitiator.Cat(info.Inbound.EncryptionKey, info.Inbound.IntegrityKey));
        Assert.Equal(c.I.KeymatIn, TestInitiator.Cat(info.Outbound.EncryptionKey, info.Outbound.IntegrityKey));
        Assert.Equal(32, info.Inbound.EncryptionKey.Length);
        Assert.Equal(profile == "windows" ? 20 : 32, info.Inbound.IntegrityKey.Length);
        TrafficSelector local = Assert.Single(info.LocalTs);
        Assert.Equal(V1Harness.ServerAddress, local.StartAddress);
        Assert.Equal(17, local.IpProtocol);
        Assert.Equal(1701, local.StartPort);
        Assert.Equal(1701, local.EndPort);
        TrafficSelector remote = Assert.Single(info.RemoteTs);
        Assert.Equal(c.SeenNow.Address, remote.StartAddress);
        Assert.Equal(17, remote.IpProtocol);
        Assert.Equal(profile == "windows" ? 1701 : 0, remote.StartPort);
        Assert.Equal(profile == "windows" ? 1701 : 65535, remote.EndPort);
        Assert.Equal(nat ? V1Harness.Server4500 : V1Harness.Server500, info.LocalEndpoint);
        Assert.Equal(c.SeenNow, info.RemoteEndpoint);
        if (nat)
        {
            // RFC 3947 §5.2: the responder that chose UDP-Encapsulated-Transport sends NAT-OAi and NAT-OAr.
            Assert.Equal(2, c.I.LastQm2Payloads.Count(p => p.Type == 21));
        }
        IkeV1SaStatus status = Assert.Single(h.Responder.Status());
        Assert.Equal("established", status.State);
        Assert.Equal(nat, status.NatDetected);
        Assert.Equal([info.InboundSpi], status.InboundSpis);
        Assert.Equal(0, h.Responder.Counters[IkeV1Counter.InternalError]);
    }

    [Fact]
    public void TripleDesIsTakenWhenItIsAllTheClientOffers()
    {
        var h = new V1Harness();
        V1Client c = h.Client(3, nat: false);
        c.I.Offers = [new P1Offer { Encryption = 5, KeyBits = 0, Hash = 2, Group = 2 }];
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        Assert.Contains("3des", h.Single<IkeSaEstablished>().Suite);
    }

    [Fact]
    public void DraftNatTraversalWithItsPayloadNumbersAndEncapsulationValueWorks()
    {
        var h = new V1Harness();
        V1Client c = Configure(h, "windows", nat: true, pfs: 0);
        c.I.DraftNatT = true;
        c.I.QmOffer.Mode = 61444;
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        Assert.True(h.Single<ChildSaEstablished>().Child.UdpEncapsulation);
        Assert.Single(c.I.LastQm2Payloads, p => p.Type == 131);
    }

    [Fact]
    public void WrongPreSharedKeyFailsAuthenticationWithoutAnswerOrSa()
    {
        var h = new V1Harness();
        V1Client c = h.Client(4, nat: false, psk: "wrong key");
        c.I.ReadMm2(c.Send(c.I.Mm1()).Single());
        c.I.ReadMm4(c.Send(c.I.Mm3()).Single());
        Assert.Empty(c.Send(c.I.Mm5()));
        Assert.Single(h.Events.OfType<AuthenticationFailed>());
        Assert.Empty(h.Events.OfType<IkeSaEstablished>());
        Assert.Empty(h.Responder.Status());
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.AuthenticationFailed]);
    }

    [Fact]
    public void NoAcceptableProposalIsAnsweredWithNoProposalChosen()
    {
        var h = new V1Harness();
        V1Client c = h.Client(5, nat: false);
        c.I.Offers = [new P1Offer { Encryption = 1, KeyBits = 0, Hash = 1, Group = 1 }, new P1Offer { Encryption = 7, Hash = 2, Group = 2, Auth = 3 }];
        byte[] reply = c.Send(c.I.Mm1()).Single();
        Assert.Equal(5, reply[18]); // Informational in the clear
        var payloads = TestInitiator.ParseChain(reply, 28, reply[16]);
        Assert.Equal(14, TestInitiator.NotifyType(Assert.Single(payloads).Body));
        Assert.Single(h.Events.OfType<NoProposalChosen>());
        Assert.Empty(h.Responder.Status());
    }

    [Fact]
    public void UnacceptableEspTransformGetsEncryptedNoProposalChosen()
    {
        var h = new V1Harness();
        V1Client c = h.Client(6, nat: false);
        Assert.True(c.MainMode());
        c.I.QmOffer = new P2Offer { TransformId = 3, KeyBits = 0 }; // ESP_3DES
        byte[] reply = c.Send(c.I.Qm1()).Single();
        var n = c.I.ReadInformational(reply);
        Assert.Equal(14, TestInitiator.NotifyType(Assert.Single(n).Body));
        Assert.Single(h.Events.OfType<NoProposalChosen>());
        Assert.Empty(h.Events.OfType<ChildSaEstablished>());
    }

    [Theory]
    [InlineData(17, 1702)]
    [InlineData(6, 1701)]
    [InlineData(0, 0)]
    public void QuickModeForAnythingButUdpToTheProtectedPortIsRefused(byte protocol, ushort serverPort)
    {
        var h = new V1Harness();
        V1Client c = h.Client(7, nat: false);
        Assert.True(c.MainMode());
        c.I.QmOffer = new P2Offer { Protocol = protocol, ServerPort = serverPort };
        byte[] reply = c.Send(c.I.Qm1()).Single();
        var n = c.I.ReadInformational(reply);
        Assert.Equal(18, TestInitiator.NotifyType(Assert.Single(n).Body)); // INVALID-ID-INFORMATION
        Assert.Empty(h.Events.OfType<ChildSaEstablished>());
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.InvalidId]);
    }

    [Fact]
    public void PlainTransportAcrossANatIsRefused()
    {
        var h = new V1Harness();
        V1Client c = Configure(h, "windows", nat: true, pfs: 0);
        c.I.QmOffer.Mode = 2;
        Assert.True(c.MainMode());
        byte[] reply = c.Send(c.I.Qm1(natOa: true)).Single();
        Assert.Equal(14, TestInitiator.NotifyType(Assert.Single(c.I.ReadInformational(reply)).Body));
    }

    [Fact]
    public void RetransmittedRequestsGetTheStoredReplyAgain()
    {
        var h = new V1Harness();
        V1Client c = h.Client(8, nat: false);
        byte[] mm1 = c.I.Mm1();
        byte[] mm2 = c.Send(mm1).Single();
        Assert.Equal(mm2, c.Send(mm1).Single());
        c.I.ReadMm2(mm2);
        byte[] mm3 = c.I.Mm3();
        byte[] mm4 = c.Send(mm3).Single();
        Assert.Equal(mm4, c.Send(mm3).Single());
        Assert.Empty(c.Send(mm1)); // MM1 once MM3 came: a stale duplicate
        c.I.ReadMm4(mm4);
        byte[] mm5 = c.I.Mm5();
        byte[] mm6 = c.Send(mm5).Single();
        Assert.Equal(mm6, c.Send(mm5).Single());
        Assert.True(c.I.ReadMm6(mm6));
        byte[] qm1 = c.I.Qm1();
        byte[] qm2 = c.Send(qm1).Single();
        Assert.Equal(qm2, c.Send(qm1).Single());
        Assert.True(c.I.ReadQm2(qm2));
        byte[] qm3 = c.I.Qm3();
        Assert.Empty(c.Send(qm3));
        Assert.Empty(c.Send(qm3));
        Assert.Single(h.Events.OfType<IkeSaEstablished>());
        Assert.Single(h.Events.OfType<ChildSaEstablished>());
        Assert.Equal(4, h.Responder.Counters[IkeV1Counter.RetransmitsAnswered]); // MM1, MM3, MM5, QM1
    }

    [Fact]
    public void DeleteOfEspSaAndIsakmpSaGiveTheEvents()
    {
        var h = new V1Harness();
        V1Client c = h.Client(9, nat: false);
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        ChildSaInfo child = h.Single<ChildSaEstablished>().Child;
        Assert.Empty(c.Send(c.I.Informational([(12, TestInitiator.DeleteBody(3, 4, TestInitiator.U32(c.I.SpiI)))])));
        ChildSaDeleted deleted = h.Single<ChildSaDeleted>();
        Assert.Equal(child.InboundSpi, deleted.InboundSpi);
        Assert.Equal(child.OutboundSpi, deleted.OutboundSpi);
        Assert.Empty(c.Send(c.I.Informational([(12, TestInitiator.DeleteBody(1, 16, c.I.CookieSpi))])));
        h.Single<IkeSaDeleted>();
        Assert.Empty(h.Responder.Status());
    }

    [Fact]
    public void RUThereIsAcknowledgedWithTheSameSequence()
    {
        var h = new V1Harness();
        V1Client c = h.Client(10, nat: false);
        Assert.True(c.MainMode());
        byte[] reply = c.Send(c.I.Informational([(11, TestInitiator.NotifyBody(1, c.I.CookieSpi, 36136, TestInitiator.U32(77)))])).Single();
        var payloads = c.I.ReadInformational(reply);
        byte[] n = Assert.Single(payloads).Body;
        Assert.Equal(36137, TestInitiator.NotifyType(n));
        Assert.Equal(TestInitiator.U32(77), n[^4..]);
        Assert.Equal(c.I.CookieSpi, n.AsSpan(8, 16).ToArray());
    }

    [Fact]
    public void InformationalWithABadHashIsDropped()
    {
        var h = new V1Harness();
        V1Client c = h.Client(11, nat: false);
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        byte[] good = c.I.Informational([(12, TestInitiator.DeleteBody(3, 4, TestInitiator.U32(c.I.SpiI)))]);
        // Re-encrypt the same payloads with a HASH of zeros.
        c.I.SkeyIdA = new byte[c.I.SkeyIdA.Length];
        byte[] bad = c.I.Informational([(12, TestInitiator.DeleteBody(3, 4, TestInitiator.U32(c.I.SpiI)))]);
        Assert.Empty(c.Send(bad));
        Assert.Empty(h.Events.OfType<ChildSaDeleted>());
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.HashMismatch]);
        Assert.NotEmpty(good);
    }

    [Fact]
    public void DpdAfterIdleThenDeadPeerCleanup()
    {
        var h = new V1Harness();
        V1Client c = h.Client(12, nat: false);
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        h.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(h.Tick());
        h.Time.Advance(TimeSpan.FromSeconds(2));
        OutgoingDatagram dpd = Assert.Single(h.Tick());
        byte[] n = Assert.Single(c.I.ReadInformational(dpd.Payload)).Body;
        Assert.Equal(36136, TestInitiator.NotifyType(n));
        // The client answers: no further R-U-THERE until idle again.
        Assert.Empty(c.Send(c.I.Informational([(11, TestInitiator.NotifyBody(1, c.I.CookieSpi, 36137, n[^4..]))])));
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.DpdAcksReceived]);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(h.Tick());
        // Now silence: R-U-THERE after 30 s, then every 5 s, dead after 5 unanswered.
        int sent = 0;
        for (int i = 0; i < 20 && !h.Events.OfType<IkeSaDeleted>().Any(); i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(5));
            sent += h.Tick().Count;
        }
        Assert.Equal(5, sent);
        Assert.Equal("dead peer", h.Single<IkeSaDeleted>().Reason);
        Assert.Single(h.Events.OfType<ChildSaDeleted>());
        Assert.Empty(h.Responder.Status());
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.DeadPeers]);
    }

    [Fact]
    public void TwoClientsAtOnce()
    {
        var h = new V1Harness();
        V1Client a = Configure(h, "windows", nat: true, pfs: 0, seed: 20, hostByte: 20);
        V1Client b = Configure(h, "mac", nat: false, pfs: 14, seed: 21, hostByte: 21);
        // Interleaved Main Modes.
        a.I.ReadMm2(a.Send(a.I.Mm1()).Single());
        b.I.ReadMm2(b.Send(b.I.Mm1()).Single());
        a.I.ReadMm4(a.Send(a.I.Mm3()).Single());
        b.I.ReadMm4(b.Send(b.I.Mm3()).Single());
        a.Floated = true;
        Assert.True(b.I.ReadMm6(b.Send(b.I.Mm5()).Single()));
        Assert.True(a.I.ReadMm6(a.Send(a.I.Mm5()).Single()));
        Assert.True(a.QuickMode());
        Assert.True(b.QuickMode());
        var children = h.Events.OfType<ChildSaEstablished>().Select(e => e.Child).ToList();
        Assert.Equal(2, children.Count);
        Assert.NotEqual(children[0].InboundSpi, children[1].InboundSpi);
        Assert.Equal(2, h.Responder.Status().Count);
        h.Responder.DeletePeer(a.SeenNow);
        List<OutgoingDatagram> deletes = h.Drain();
        Assert.Equal(2, deletes.Count);
        Assert.All(deletes, d => Assert.Equal(a.SeenNow, d.Remote));
        Assert.Equal(12, a.I.ReadInformational(deletes[0].Payload).Single().Type);
        Assert.Single(h.Events.OfType<ChildSaDeleted>());
        Assert.Single(h.Events.OfType<IkeSaDeleted>());
        Assert.Single(h.Responder.Status());
    }

    [Fact]
    public void RekeyByASecondQuickModeThenDeleteOfTheOld()
    {
        var h = new V1Harness();
        V1Client c = h.Client(13, nat: false);
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        uint oldPeerSpi = c.I.SpiI;
        Assert.True(c.QuickMode());
        var children = h.Events.OfType<ChildSaEstablished>().ToList();
        Assert.Equal(2, children.Count);
        Assert.Equal(children[0].Child.InboundSpi, children[1].RekeyOfInboundSpi);
        Assert.Empty(c.Send(c.I.Informational([(12, TestInitiator.DeleteBody(3, 4, TestInitiator.U32(oldPeerSpi)))])));
        ChildSaDeleted deleted = h.Single<ChildSaDeleted>();
        Assert.Equal(children[0].Child.InboundSpi, deleted.InboundSpi);
        Assert.True(deleted.Replaced);
        Assert.Equal([children[1].Child.InboundSpi], h.Responder.Status().Single().InboundSpis);
    }

    [Fact]
    public void InitialContactDropsTheOldSasOfThatClient()
    {
        var h = new V1Harness();
        V1Client first = h.Client(14, nat: false);
        Assert.True(first.MainMode());
        Assert.True(first.QuickMode());
        V1Client again = h.Client(15, nat: false); // same address, rebooted
        again.I.InitialContact = true;
        Assert.True(again.MainMode());
        IkeSaDeleted deleted = h.Single<IkeSaDeleted>();
        Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(first.I.CkyI), deleted.InitiatorSpi);
        Assert.Single(h.Events.OfType<ChildSaDeleted>());
        Assert.Single(h.Responder.Status());
    }

    [Fact]
    public void LongerProposedEspLifetimeIsAnsweredWithResponderLifetime()
    {
        var h = new V1Harness();
        V1Client c = h.Client(16, nat: false);
        c.I.QmOffer.LifeSeconds = 28800;
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        byte[] n = c.I.LastQm2Payloads.Single(p => p.Type == 11).Body;
        Assert.Equal(24576, TestInitiator.NotifyType(n));
        // Life type seconds, life duration 3600 (basic attributes).
        Assert.Equal(Convert.FromHexString("80010001" + "80020E10"), n[^8..]);
        // The ESP SA expires after our hour: DELETE and ChildSaDeleted.
        h.Time.Advance(TimeSpan.FromMinutes(61));
        for (int i = 0; i < 3; i++)
            h.Tick();
        Assert.Equal("lifetime expired", h.Single<ChildSaDeleted>().Reason);
    }

    [Fact]
    public void HalfOpenMainModesExpireAndTheSaLimitHolds()
    {
        var h = new V1Harness(new IkeV1ResponderOptions { PreSharedKey = "k"u8.ToArray(), MaxIsakmpSas = 3 });
        for (int i = 0; i < 5; i++)
        {
            V1Client c = h.Client(30 + i, nat: false, hostByte: 30 + i);
            c.Send(c.I.Mm1());
        }
        Assert.Equal(3, h.Responder.Status().Count);
        Assert.Equal(2, h.Responder.Counters[IkeV1Counter.SaLimitReached]);
        h.Time.Advance(TimeSpan.FromSeconds(31));
        h.Tick();
        Assert.Empty(h.Responder.Status());
        Assert.Equal(3, h.Responder.Counters[IkeV1Counter.HalfOpenExpired]);
    }

    [Fact]
    public void EspSasOutliveAnIsakmpSaTheClientReplacedAndDeleted()
    {
        var h = new V1Harness();
        V1Client first = h.Client(17, nat: false);
        Assert.True(first.MainMode());
        Assert.True(first.QuickMode());
        uint inbound = h.Single<ChildSaEstablished>().Child.InboundSpi;
        V1Client second = h.Client(18, nat: false); // phase 1 rekey: a new Main Mode from the same client
        Assert.True(second.MainMode());
        Assert.Empty(first.Send(first.I.Informational([(12, TestInitiator.DeleteBody(1, 16, first.I.CookieSpi))])));
        IkeSaDeleted gone = h.Single<IkeSaDeleted>();
        Assert.True(gone.Replaced);
        Assert.Empty(h.Events.OfType<ChildSaDeleted>());
        Assert.Equal([inbound], Assert.Single(h.Responder.Status()).InboundSpis);
        // The operator's disconnect (port 0: every SA of that address) now deletes it through the new ISAKMP SA.
        h.Responder.DeletePeer(new IPEndPoint(second.SeenNow.Address, 0));
        List<OutgoingDatagram> deletes = h.Drain();
        Assert.Equal(2, deletes.Count);
        var d = second.I.ReadInformational(deletes[0].Payload).Single();
        Assert.Equal(12, d.Type);
        Assert.Equal(TestInitiator.U32(inbound), d.Body[8..]);
        Assert.Equal(inbound, h.Single<ChildSaDeleted>().InboundSpi);
        Assert.Empty(h.Responder.Status());
    }

    [Fact]
    public void IsakmpSaLifetimeIsCappedAndEnds()
    {
        var h = new V1Harness(new IkeV1ResponderOptions { PreSharedKey = "correct horse battery staple"u8.ToArray(), MaxPhase1Lifetime = TimeSpan.FromHours(2) });
        V1Client c = h.Client(19, nat: false);
        c.I.Dpd = false;
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        Assert.True(h.Responder.Tick() <= TimeSpan.FromHours(1));
        h.Time.Advance(TimeSpan.FromMinutes(119));
        h.Tick();
        Assert.Empty(h.Events.OfType<IkeSaDeleted>());
        h.Time.Advance(TimeSpan.FromMinutes(2));
        List<OutgoingDatagram> sent = h.Tick();
        Assert.Equal("lifetime expired", h.Single<IkeSaDeleted>().Reason);
        Assert.NotEmpty(sent);
        Assert.Empty(h.Responder.Status());
    }

    [Fact]
    public void OneAddressMayHoldOnlyAFewMainModesInProgress()
    {
        var h = new V1Harness();
        for (int i = 0; i < 8; i++)
        {
            V1Client c = h.Client(50 + i, nat: false);
            c.Send(c.I.Mm1());
        }
        Assert.Equal(5, h.Responder.Status().Count);
        Assert.Equal(3, h.Responder.Counters[IkeV1Counter.HalfOpenPerSourceReached]);
    }

    [Fact]
    public void NatRebindingMovesTheSaAndSaysSo()
    {
        var h = new V1Harness();
        V1Client c = Configure(h, "windows", nat: true, pfs: 0);
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        uint inbound = h.Single<ChildSaEstablished>().Child.InboundSpi;
        var moved = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 50000);
        h.Deliver(moved, V1Harness.Server4500, c.I.Informational([(11, TestInitiator.NotifyBody(1, c.I.CookieSpi, 36136, TestInitiator.U32(3)))]));
        PeerEndpointChanged changed = h.Single<PeerEndpointChanged>();
        Assert.Equal(moved, changed.Remote);
        Assert.Equal([inbound], changed.InboundSpis);
        Assert.Equal(moved, h.Responder.Status().Single().Remote);
    }

    [Fact]
    public void DualStackEndpointsAreTakenAsIpv4AndIpv6IsRefused()
    {
        var h = new V1Harness();
        V1Client c = h.Client(60, nat: false);
        byte[] mm1 = c.I.Mm1();
        var mapped = new IPEndPoint(c.Seen500.Address.MapToIPv6(), 500);
        var server = new IPEndPoint(V1Harness.ServerAddress.MapToIPv6(), 500);
        OutgoingDatagram mm2 = Assert.Single(h.Deliver(mapped, server, mm1));
        Assert.Equal(c.Seen500, mm2.Remote);
        c.I.ReadMm2(mm2.Payload);
        c.I.ReadMm4(h.Deliver(mapped, server, c.I.Mm3()).Single().Payload);
        Assert.True(c.I.ReadMm6(h.Deliver(mapped, server, c.I.Mm5()).Single().Payload));
        Assert.False(h.Single<IkeSaEstablished>().NatDetected);

        V1Client v6 = h.Client(61, nat: false, hostByte: 61);
        Assert.Empty(h.Deliver(new IPEndPoint(IPAddress.Parse("2001:db8::61"), 500), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 500), v6.I.Mm1()));
        Assert.Equal(1, h.Responder.Counters[IkeV1Counter.UnsupportedExchange]);
    }

    [Theory]
    [InlineData(19, 5, 128)]
    [InlineData(20, 4, 256)]
    public void EcpGroupsAndSha384AreNegotiated(ushort group, ushort hash, ushort keyBits)
    {
        var h = new V1Harness();
        V1Client c = h.Client(70 + group, nat: false);
        c.I.Offers = [new P1Offer { Encryption = 7, KeyBits = keyBits, Hash = hash, Group = group }];
        c.I.QmOffer = new P2Offer { KeyBits = 128, Auth = 5, PfsGroup = group };
        Assert.True(c.MainMode());
        Assert.True(c.QuickMode());
        ChildSaInfo info = h.Single<ChildSaEstablished>().Child;
        Assert.Equal(c.I.KeymatOut, TestInitiator.Cat(info.Inbound.EncryptionKey, info.Inbound.IntegrityKey));
        Assert.Equal(128, info.EncryptionKeyBits);
    }

    [Fact]
    public void Draft03VendorIdIsRecognisedAndEchoed()
    {
        var h = new V1Harness();
        V1Client c = h.Client(80, nat: false);
        c.I.NatT = false; // no RFC 3947 VID from the test initiator: send draft-03 by hand
        byte[] mm1 = c.I.Mm1();
        byte[] vid = System.Security.Cryptography.MD5.HashData("draft-ietf-ipsec-nat-t-ike-03"u8);
        // Append a VID payload: the last payload's Next Payload becomes 13.
        int last = 28;
        while (mm1[last] != 0)
            last += BinaryPrimitives.ReadUInt16BigEndian(mm1.AsSpan(last + 2));
        mm1[last] = 13;
        byte[] withVid = TestInitiator.Cat(mm1, [0, 0, 0, (byte)(4 + vid.Length)], vid);
        BinaryPrimitives.WriteUInt32BigEndian(withVid.AsSpan(24), (uint)withVid.Length);
        var payloads = c.I.ReadMm2(c.Send(withVid).Single());
        Assert.Contains(payloads, p => p.Type == 13 && p.Body.AsSpan().SequenceEqual(vid));
        Assert.Contains(payloads, p => p.Type == 13 && p.Body.AsSpan().SequenceEqual(TestInitiator.VidDpd));
    }

    [Fact]
    public void IsIkeV1LooksAtTheMajorVersion()
    {
        var m = new byte[28];
        m[17] = 0x10;
        Assert.True(IkeV1Responder.IsIkeV1(m));
        m[17] = 0x20;
        Assert.False(IkeV1Responder.IsIkeV1(m));
        Assert.False(IkeV1Responder.IsIkeV1(m.AsSpan(0, 17)));
    }
}

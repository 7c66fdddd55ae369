using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

/// <summary>AH Child SAs (RFC 4302) negotiated by two engines in memory: IKE_AUTH, rekeys, refusals.</summary>
public class AhChildSaTests
{
    private static readonly IkeEngineOptions Rekeying = new() { ChildSaRekeyTime = TimeSpan.FromMinutes(1), RekeyJitter = 0 };

    private static IkeTunnelConfig WithAh(IkeTunnelConfig c, string ah) => c with { EspProposals = [], AhProposals = ah.Split(',') };

    /// <summary>A initiates to B; each side uses AH when its proposal string is given, else ESP aes256gcm16.</summary>
    private static TestPeers Pair(string? ahA, string? ahB, IkeEngineOptions? a = null, IkeEngineOptions? b = null, int seed = 1,
        bool bRespondsToAny = false)
    {
        var peers = new TestPeers(a, b, seed);
        IkeTunnelConfig ca = TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com");
        IkeTunnelConfig cb = TestPeers.Config("to-a", TestPeers.AddressB, bRespondsToAny ? null : TestPeers.AddressA, "b.example.com", "a.example.com",
            localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16");
        peers.A.AddTunnel(ahA is null ? ca : WithAh(ca, ahA));
        peers.B.AddTunnel(ahB is null ? cb : WithAh(cb, ahB));
        return peers;
    }

    private static void AssertMirroredAh(ChildSaInfo a, ChildSaInfo b, IntegrityAlgorithm integ)
    {
        foreach (ChildSaInfo c in new[] { a, b })
        {
            Assert.Equal(ProtocolId.Ah, c.Protocol);
            Assert.Equal(0, c.EncryptionTransformId);
            Assert.Equal(0, c.EncryptionKeyBits);
            Assert.Equal((ushort)integ, c.IntegrityTransformId);
            // RFC 7296 §2.17: AH takes integrity keys only; RFC 4868 §2.1: as long as the hash output.
            foreach (ChildSaKeys k in new[] { c.Inbound, c.Outbound })
            {
                Assert.Empty(k.EncryptionKey);
                Assert.Empty(k.Salt);
                Assert.Equal(TransformRegistry.IntegrityKeyBytes(integ), k.IntegrityKey.Length);
            }
            Assert.NotEqual(c.Inbound.IntegrityKey, c.Outbound.IntegrityKey);
        }
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        Assert.Equal(a.InboundSpi, b.OutboundSpi);
        Assert.Equal(a.Outbound.IntegrityKey, b.Inbound.IntegrityKey);
        Assert.Equal(a.Inbound.IntegrityKey, b.Outbound.IntegrityKey);
        Assert.Equal(a.Suite, b.Suite);
        Assert.Equal(a.Esn, b.Esn);
    }

    [Theory]
    [InlineData("sha256", IntegrityAlgorithm.HmacSha256_128, "HMAC_SHA2_256_128", false)]
    [InlineData("sha384", IntegrityAlgorithm.HmacSha384_192, "HMAC_SHA2_384_192", false)]
    [InlineData("sha512", IntegrityAlgorithm.HmacSha512_256, "HMAC_SHA2_512_256", false)]
    [InlineData("sha256-esn", IntegrityAlgorithm.HmacSha256_128, "HMAC_SHA2_256_128/ESN", true)]
    [InlineData("sha384-ecp384", IntegrityAlgorithm.HmacSha384_192, "HMAC_SHA2_384_192", false)] // no KE in IKE_AUTH (§1.2)
    public void An_ah_child_sa_is_established_with_mirrored_integrity_keys(string ah, IntegrityAlgorithm integ, string suite, bool esn)
    {
        TestPeers peers = Pair(ah, ah);
        peers.A.Initiate("to-b");
        peers.Pump();

        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        AssertMirroredAh(a, b, integ);
        Assert.Equal(suite, a.Suite);
        Assert.Equal(esn, a.Esn);
        Assert.False(a.UdpEncapsulation);
        Assert.Equal(ProtocolId.Ah, Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas).Protocol);
        Assert.Equal(ProtocolId.Ah, Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas).Protocol);

        List<AhWire.Opened> wire = AhWire.Open(peers);
        AhWire.AssertAhProposals(Assert.Single(AhWire.Request(wire, ExchangeType.IkeAuth).Inner.OfType<SaPayload>()));
        SaPayload reply = Assert.Single(AhWire.Response(wire, ExchangeType.IkeAuth).Inner.OfType<SaPayload>());
        AhWire.AssertAhProposals(reply);
        Proposal chosen = Assert.Single(reply.Proposals);
        Assert.Equal(b.InboundSpi, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi));
        Assert.DoesNotContain(chosen.Transforms, t => t.Type == TransformType.DiffieHellmanGroup);
        Assert.Equal((ushort)(esn ? EsnMode.Esn : EsnMode.NoEsn), Assert.Single(chosen.Transforms, t => t.Type == TransformType.ExtendedSequenceNumbers).Id);
    }

    [Theory]
    [InlineData(true, "sha256", null)]
    [InlineData(true, "sha256-curve25519", "CURVE_25519")] // PFS: a fresh key exchange in CREATE_CHILD_SA
    [InlineData(false, "sha384", null)]
    [InlineData(false, "sha384-ecp384-esn", "ECP_384")]
    public void Either_side_rekeys_an_ah_child_sa_and_deletes_the_old_one_with_an_ah_delete(bool aRekeys, string ah, string? pfs)
    {
        TestPeers peers = Pair(ah, ah, aRekeys ? Rekeying : null, aRekeys ? null : Rekeying);
        peers.A.Initiate("to-b");
        peers.Pump();
        ChildSaInfo first = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        peers.Advance(TimeSpan.FromMinutes(1));

        (List<IkeEvent> rekeyer, List<IkeEvent> other) = aRekeys ? (peers.EventsA, peers.EventsB) : (peers.EventsB, peers.EventsA);
        ChildSaEstablished renewed = rekeyer.OfType<ChildSaEstablished>().Last();
        Assert.NotNull(renewed.RekeyOfInboundSpi);
        Assert.Equal(ProtocolId.Ah, renewed.Child.Protocol);
        Assert.Equal(pfs is not null, renewed.Child.Suite.Contains(pfs ?? "?", StringComparison.Ordinal));
        // Both sides dropped the old SA: the peer found it by the AH Delete payload's protocol and SPI.
        Assert.Single(rekeyer.OfType<ChildSaDeleted>());
        Assert.Single(other.OfType<ChildSaDeleted>());
        ChildSaInfo a = peers.EventsA.OfType<ChildSaEstablished>().Last().Child;
        ChildSaInfo b = peers.EventsB.OfType<ChildSaEstablished>().Last().Child;
        AssertMirroredAh(a, b, first.IntegrityTransformId == (ushort)IntegrityAlgorithm.HmacSha384_192
            ? IntegrityAlgorithm.HmacSha384_192 : IntegrityAlgorithm.HmacSha256_128);
        Assert.NotEqual(first.Outbound.IntegrityKey, a.Outbound.IntegrityKey);
        Assert.NotEqual(first.InboundSpi, a.InboundSpi);
        Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
        Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);

        List<AhWire.Opened> wire = AhWire.Open(peers);
        AhWire.Opened request = AhWire.Request(wire, ExchangeType.CreateChildSa);
        Assert.Equal(aRekeys, request.FromA);
        NotifyPayload rekeySa = Assert.Single(request.Inner.OfType<NotifyPayload>(), n => n.NotifyType == NotifyType.RekeySa);
        Assert.Equal(ProtocolId.Ah, rekeySa.Protocol);
        AhWire.AssertAhProposals(Assert.Single(request.Inner.OfType<SaPayload>()));
        Assert.Equal(pfs is not null, request.Inner.OfType<KePayload>().Any());
        DeletePayload delete = Assert.Single(AhWire.Request(wire, ExchangeType.Informational).Inner.OfType<DeletePayload>());
        Assert.Equal(ProtocolId.Ah, delete.Protocol);
        DeletePayload answer = Assert.Single(AhWire.Response(wire, ExchangeType.Informational).Inner.OfType<DeletePayload>());
        Assert.Equal(ProtocolId.Ah, answer.Protocol);

        peers.Advance(TimeSpan.FromMinutes(1)); // and the next round works as well
        Assert.Equal(2, rekeyer.OfType<ChildSaDeleted>().Count());
        AssertMirroredAh(peers.EventsA.OfType<ChildSaEstablished>().Last().Child, peers.EventsB.OfType<ChildSaEstablished>().Last().Child,
            (IntegrityAlgorithm)first.IntegrityTransformId);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Simultaneous_ah_rekeys_settle_on_one_child_sa(int seed)
    {
        TestPeers peers = Pair("sha256", "sha256", Rekeying, Rekeying, seed);
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Time.Advance(TimeSpan.FromMinutes(1));
        peers.A.Tick();
        peers.B.Tick();
        peers.Pump();
        peers.Advance(TimeSpan.FromSeconds(1));
        ChildSaStatus a = Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
        ChildSaStatus b = Assert.Single(peers.B.GetStatus().Tunnels[0].ChildSas);
        Assert.Equal(a.InboundSpi, b.OutboundSpi);
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        Assert.Equal(ProtocolId.Ah, a.Protocol);
        Assert.Equal(0, peers.A.Counters[IkeCounter.InternalError] + peers.B.Counters[IkeCounter.InternalError]);
    }

    [Theory]
    [InlineData("sha256", null)]  // we offer AH, the peer wants ESP
    [InlineData(null, "sha256")]  // we offer ESP, the peer wants AH
    public void Ah_against_esp_gives_NO_PROPOSAL_CHOSEN_and_keeps_the_ike_sa(string? ahA, string? ahB)
    {
        TestPeers peers = Pair(ahA, ahB);
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Single<NoProposalChosen>(peers.EventsA);
        Assert.Contains(ahB is null ? "ESP" : "AH", peers.Single<NoProposalChosen>(peers.EventsB).Detail);
        Assert.Equal(1, peers.B.Counters[IkeCounter.NoProposalChosen]);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        Assert.Empty(peers.EventsB.OfType<ChildSaEstablished>());
        Assert.Empty(peers.A.GetStatus().Tunnels[0].ChildSas);
    }

    [Fact]
    public void Ah_is_refused_across_a_nat()
    {
        TestPeers peers = Pair("sha256", "sha256", bRespondsToAny: true);
        peers.NatPublicAddress = System.Net.IPAddress.Parse("203.0.113.9");
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.True(peers.Single<IkeSaEstablished>(peers.EventsB).NatDetected);
        Assert.Contains("NAT", peers.Single<NoProposalChosen>(peers.EventsB).Detail);
        peers.Single<NoProposalChosen>(peers.EventsA);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        Assert.Empty(peers.EventsB.OfType<ChildSaEstablished>());
    }
}

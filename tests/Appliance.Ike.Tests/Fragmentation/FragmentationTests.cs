using Appliance.Ike.Messages;
using Appliance.Ike.Tests.Engine;
using static Appliance.Ike.Tests.Fragmentation.FragmentWire;

namespace Appliance.Ike.Tests.Fragmentation;

/// <summary>IKE_AUTH with RSA certificate chains over a 576-octet path, fragmented at the IKE layer (RFC 7383).</summary>
public class FragmentationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, "aes256gcm16-prfsha256-curve25519")]
    [InlineData(false, "aes256gcm16-prfsha256-curve25519")]
    [InlineData(true, "aes128-sha256-modp2048")] // CBC + HMAC: block-aligned padding and a separate ICV per fragment
    public void Certificate_auth_is_fragmented_and_establishes(bool aInitiates, string ike)
    {
        using var pki = new RsaChainPki(Now);
        TestPeers peers = CertPeers(pki, Options(), Options(), ike);
        var delivered = new List<(bool FromA, byte[] Payload)>();
        if (aInitiates) peers.A.Initiate("to-b");
        else peers.B.Initiate("to-a");
        Pump(peers, (_, batch) => batch, delivered);
        AssertEstablished(peers);

        // IKE_SA_INIT: both announce support, and neither is ever fragmented.
        List<DecodedMessage> init = delivered.Select(d => Decode(d.Payload)).Where(m => m.Header.Exchange == ExchangeType.IkeSaInit).ToList();
        Assert.Equal(2, init.Count);
        Assert.All(init, m => Assert.Contains(m.Payloads.OfType<NotifyPayload>(), n => n.NotifyType == NotifyType.FragmentationSupported));
        Assert.All(init, m => Assert.DoesNotContain(m.Payloads, p => p is EncryptedFragmentPayload));

        // IKE_AUTH request and response: fragments 1..N of N, only the first naming the first inner payload.
        foreach (bool fromInitiator in new[] { true, false })
        {
            List<byte[]> auth = delivered.Where(d => d.FromA == (fromInitiator == aInitiates))
                .Select(d => d.Payload).Where(p => Decode(p).Header.Exchange == ExchangeType.IkeAuth).ToList();
            List<EncryptedFragmentPayload> fragments = auth.Select(p => Fragment(p)!).ToList();
            Assert.All(fragments, Assert.NotNull);
            int n = fragments.Count;
            Assert.True(n >= 3, $"expected a multi-fragment IKE_AUTH, got {n}");
            Assert.Equal(Enumerable.Range(1, n).Select(i => (ushort)i), fragments.Select(f => f.FragmentNumber));
            Assert.All(fragments, f => Assert.Equal(n, f.TotalFragments));
            Assert.Equal(fromInitiator ? PayloadType.IdentificationInitiator : PayloadType.IdentificationResponder, fragments[0].FirstInnerPayload);
            Assert.All(fragments.Skip(1), f => Assert.Equal(PayloadType.None, f.FirstInnerPayload));
            Assert.All(auth, p => Assert.True(p.Length + 20 + 8 <= 576, $"fragment datagram of {p.Length + 28} octets"));
            Assert.Single(auth.Select(p => Decode(p).Header.MessageId).Distinct());
            IkeEngine sender = fromInitiator == aInitiates ? peers.A : peers.B;
            IkeEngine receiver = fromInitiator == aInitiates ? peers.B : peers.A;
            Assert.Equal(n, sender.Counters[IkeCounter.FragmentsSent]);
            Assert.Equal(n, receiver.Counters[IkeCounter.FragmentsReceived]);
            Assert.Equal(1, receiver.Counters[IkeCounter.MessagesReassembled]);
        }
    }

    [Fact]
    public void Fragments_out_of_order_and_duplicated_still_establish()
    {
        using var pki = new RsaChainPki(Now);
        TestPeers peers = CertPeers(pki, Options(), Options());
        var delivered = new List<(bool FromA, byte[] Payload)>();
        peers.A.Initiate("to-b");
        // Each batch arrives backwards, every datagram twice.
        Pump(peers, (_, batch) => Enumerable.Reverse(batch).SelectMany(d => new[] { d, d }).ToList(), delivered);
        AssertEstablished(peers);
        long requestFragments = peers.A.Counters[IkeCounter.FragmentsSent];
        Assert.True(requestFragments >= 3);
        Assert.Equal(1, peers.B.Counters[IkeCounter.MessagesReassembled]);
        Assert.Equal(1, peers.A.Counters[IkeCounter.MessagesReassembled]);
        // B: each request fragment once more before completion, except the last one, whose copy is a retransmission
        // of an answered request and is either the non-first fragment (ignored) or fragment 1 (answered once more).
        Assert.Equal(requestFragments - 1, peers.B.Counters[IkeCounter.FragmentDropped]);
        // Once for the duplicated IKE_SA_INIT, once for the duplicate of fragment 1 (last in reverse order): not once per fragment.
        Assert.Equal(2, peers.B.Counters[IkeCounter.CachedResponsesSent]);
    }

    [Fact]
    public void A_lost_request_fragment_is_recovered_by_retransmitting_the_whole_set()
    {
        using var pki = new RsaChainPki(Now);
        TestPeers peers = CertPeers(pki, Options(), Options());
        bool dropped = false;
        peers.Drop = (_, fromA, d) =>
        {
            if (dropped || !fromA || Fragment(d.Payload) is not { FragmentNumber: 2 })
                return false;
            return dropped = true;
        };
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.True(dropped);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        long firstSend = peers.A.Counters[IkeCounter.FragmentsSent];
        peers.Advance(TimeSpan.FromSeconds(4));
        AssertEstablished(peers);
        Assert.Equal(1, peers.A.Counters[IkeCounter.RetransmitsSent]);
        Assert.Equal(2 * firstSend, peers.A.Counters[IkeCounter.FragmentsSent]);
        Assert.Equal(1, peers.B.Counters[IkeCounter.MessagesReassembled]);
    }

    [Fact]
    public void A_lost_response_fragment_makes_the_responder_resend_its_cached_fragments()
    {
        using var pki = new RsaChainPki(Now);
        TestPeers peers = CertPeers(pki, Options(), Options());
        bool dropped = false;
        peers.Drop = (_, fromA, d) =>
        {
            if (dropped || fromA || Fragment(d.Payload) is not { FragmentNumber: 1 })
                return false;
            return dropped = true;
        };
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.True(dropped);
        Assert.Single(peers.EventsB.OfType<ChildSaEstablished>());
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        long responseFragments = peers.B.Counters[IkeCounter.FragmentsSent];
        peers.Advance(TimeSpan.FromSeconds(4));
        AssertEstablished(peers);
        Assert.Equal(1, peers.B.Counters[IkeCounter.CachedResponsesSent]); // once for the set, on its fragment 1
        Assert.Equal(2 * responseFragments, peers.B.Counters[IkeCounter.FragmentsSent]);
        Assert.Equal(1, peers.A.Counters[IkeCounter.MessagesReassembled]);
    }

    [Fact]
    public void A_tampered_fragment_fails_its_ICV_and_the_good_copy_completes_the_message()
    {
        using var pki = new RsaChainPki(Now);
        TestPeers peers = CertPeers(pki, Options(), Options());
        var delivered = new List<(bool FromA, byte[] Payload)>();
        bool tampered = false;
        peers.A.Initiate("to-b");
        Pump(peers, (fromA, batch) => batch.Select(d =>
        {
            if (tampered || !fromA || Fragment(d.Payload) is not { FragmentNumber: 2 })
                return d;
            tampered = true;
            byte[] bad = (byte[])d.Payload.Clone();
            bad[^20] ^= 0x40; // inside the ciphertext
            return d with { Payload = bad };
        }).ToList(), delivered);
        Assert.True(tampered);
        Assert.Equal(1, peers.B.Counters[IkeCounter.IntegrityCheckFailed]);
        Assert.Empty(peers.EventsB.OfType<ChildSaEstablished>());
        peers.Advance(TimeSpan.FromSeconds(4));
        AssertEstablished(peers);
        Assert.Equal(1, peers.B.Counters[IkeCounter.MessagesReassembled]);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void With_fragmentation_off_on_one_side_nothing_is_fragmented(bool onA, bool onB)
    {
        using var pki = new RsaChainPki(Now);
        // A large FragmentSize would hide the point: with 576 on both, only the negotiation keeps SKF off the wire.
        TestPeers peers = CertPeers(pki, Options(onA), Options(onB));
        var delivered = new List<(bool FromA, byte[] Payload)>();
        peers.A.Initiate("to-b");
        Pump(peers, (_, batch) => batch, delivered);
        AssertEstablished(peers);
        Assert.DoesNotContain(delivered, d => IsFragment(d.Payload));
        Assert.Contains(delivered, d => d.Payload.Length > 576); // the IKE_AUTH went whole (the IP layer would fragment it)
        DecodedMessage initResponse = Decode(delivered[1].Payload);
        Assert.DoesNotContain(initResponse.Payloads.OfType<NotifyPayload>(), n => n.NotifyType == NotifyType.FragmentationSupported);
        Assert.Equal(0, peers.A.Counters[IkeCounter.FragmentsSent] + peers.B.Counters[IkeCounter.FragmentsSent]);
    }

    [Fact]
    public void A_CREATE_CHILD_SA_that_fits_is_not_fragmented()
    {
        using var pki = new RsaChainPki(Now);
        var rekeying = new IkeEngineOptions { Fragmentation = true, FragmentSize = 576, ChildSaRekeyTime = TimeSpan.FromMinutes(1), RekeyJitter = 0 };
        TestPeers peers = CertPeers(pki, rekeying, Options());
        var delivered = new List<(bool FromA, byte[] Payload)>();
        peers.A.Initiate("to-b");
        Pump(peers, (_, batch) => batch, delivered);
        AssertEstablished(peers);
        peers.Time.Advance(TimeSpan.FromMinutes(1));
        peers.A.Tick();
        Pump(peers, (_, batch) => batch, delivered);
        List<byte[]> createChild = delivered.Select(d => d.Payload).Where(p => Decode(p).Header.Exchange == ExchangeType.CreateChildSa).ToList();
        Assert.Equal(2, createChild.Count);
        Assert.All(createChild, p => Assert.IsType<EncryptedPayload>(Assert.Single(Decode(p).Payloads)));
        Assert.Equal(2, peers.EventsA.OfType<ChildSaEstablished>().Count());
    }
}

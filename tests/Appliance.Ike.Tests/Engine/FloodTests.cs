using System.Net;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

/// <summary>
/// Hostile volume on UDP 500 (issue 18): IKE_SA_INIT from thousands of spoofed sources while a real initiator connects.
/// Bounds stated and held: past <see cref="IkeEngineOptions.CookieThreshold"/> half-open SAs every request without a
/// valid cookie gets a stateless COOKIE reply (RFC 7296 §2.6), so half-open state never exceeds the threshold; the
/// flood's retained memory stays under 4 MB; the real peer, which answers the cookie, still gets its IKE and Child SA;
/// and the half-open SAs the flood did create are gone after HalfOpenTimeout.
/// </summary>
public class FloodTests
{
    private const int Spoofed = 5000;

    [Fact]
    public void A_spoofed_ike_sa_init_flood_engages_cookies_bounds_half_open_state_and_the_real_peer_still_connects()
    {
        var peers = TestPeers.Standard();
        int threshold = peers.B.Options.CookieThreshold;
        IPEndPoint b = new(TestPeers.AddressB, 500);
        byte[] template = InitRequest();
        GC.Collect();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        int replies = 0;
        for (int i = 0; i < Spoofed; i++)
        {
            // A fresh SPI and source per request, as a flood tool spoofing 10.0.0.0/8 sends them; none answers.
            byte[] init = (byte[])template.Clone();
            BitConverter.TryWriteBytes(init.AsSpan(0, 8), (ulong)i + 1);
            var source = new IPEndPoint(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 500 + i % 1000);
            peers.B.HandleDatagram(b, source, init);
            while (peers.B.TryDequeueOutgoing(out OutgoingDatagram reply))
            {
                if (reply.Remote.Address.Equals(TestPeers.AddressA))
                    peers.A.HandleDatagram(reply.Remote, reply.Local, reply.Payload);
                else
                    replies++;
            }
            if (i == Spoofed / 2)
                peers.A.Initiate("to-b");
            // The real initiator's messages reach B between the flood's.
            while (peers.A.TryDequeueOutgoing(out OutgoingDatagram d))
                peers.B.HandleDatagram(d.Remote, d.Local, d.Payload);
        }
        peers.Pump();
        long retained = GC.GetTotalMemory(forceFullCollection: true) - before;

        peers.Single<IkeSaEstablished>(peers.EventsA);
        peers.Single<ChildSaEstablished>(peers.EventsA);
        Assert.Equal(Spoofed, replies); // every spoofed request answered once: state or a stateless COOKIE
        Assert.Equal(Spoofed - threshold, peers.B.Counters[IkeCounter.CookiesSent] - 1); // + the real peer's one cookie
        Assert.True(retained < 4 << 20, $"the flood left {retained} bytes behind");

        // Only the threshold's worth of half-open SAs ever existed; they expire, the real SA stays.
        peers.Advance(peers.B.Options.HalfOpenTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(threshold, peers.B.Counters[IkeCounter.HalfOpenExpired]);
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        Assert.Empty(peers.EventsA.OfType<IkeSaDeleted>());
    }

    /// <summary>
    /// A flood from real addresses that answer the cookie (RFC 7296 §2.6 cannot stop those): past
    /// <see cref="IkeEngineOptions.HalfOpenLimit"/> half-open SAs further requests are dropped in silence and counted, the
    /// status says how many are half-open, and once they expire new peers get in again.
    /// </summary>
    [Fact]
    public void Cookie_returning_flood_stops_at_the_half_open_limit_and_peers_get_in_again_after_expiry()
    {
        const int limit = 10, attackers = 25;
        var peers = TestPeers.Standard(optionsB: new IkeEngineOptions { CookieThreshold = 0, HalfOpenLimit = limit, HalfOpenPerSource = limit });
        IPEndPoint b = new(TestPeers.AddressB, 500);
        byte[] template = InitRequest();
        int answered = 0;
        for (int i = 0; i < attackers; i++)
        {
            var source = new IPEndPoint(new IPAddress([10, 9, 0, (byte)(i + 1)]), 500);
            if (SendWithCookie(peers.B, b, source, template, (ulong)i + 1) is { } reply && Find<SaPayload>(reply) is not null)
                answered++;
        }
        Assert.Equal(limit, answered);
        Assert.Equal(attackers - limit, peers.B.Counters[IkeCounter.HalfOpenLimitReached]);
        Assert.Equal(limit, peers.B.GetStatus().HalfOpenIkeSas);
        Assert.Equal(limit, peers.B.GetStatus().IkeSas);

        peers.Advance(peers.B.Options.HalfOpenTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, peers.B.GetStatus().HalfOpenIkeSas);
        var late = new IPEndPoint(new IPAddress([10, 9, 1, 1]), 500);
        Assert.NotNull(Find<SaPayload>(SendWithCookie(peers.B, b, late, template, 1000)!));
    }

    /// <summary>
    /// One address that returns cookies may hold <see cref="IkeEngineOptions.HalfOpenPerSource"/> half-open SAs, not the
    /// whole <see cref="IkeEngineOptions.HalfOpenLimit"/>: past its share its requests are dropped and counted, while
    /// another address still gets in; once its SAs expire it gets its share again.
    /// </summary>
    [Fact]
    public void One_source_holds_at_most_its_share_of_half_open_sas()
    {
        var peers = TestPeers.Standard(optionsB: new IkeEngineOptions { CookieThreshold = 0, HalfOpenLimit = 256, HalfOpenPerSource = 5 });
        IPEndPoint b = new(TestPeers.AddressB, 500);
        byte[] template = InitRequest();
        var attacker = new IPAddress([10, 9, 0, 1]);
        int answered = 0;
        for (int i = 0; i < 20; i++)
            if (SendWithCookie(peers.B, b, new IPEndPoint(attacker, 1000 + i), template, (ulong)i + 1) is { } reply && Find<SaPayload>(reply) is not null)
                answered++;
        Assert.Equal(5, answered);
        Assert.Equal(15, peers.B.Counters[IkeCounter.HalfOpenPerSourceReached]);
        Assert.Equal(0, peers.B.Counters[IkeCounter.HalfOpenLimitReached]);
        Assert.NotNull(Find<SaPayload>(SendWithCookie(peers.B, b, new IPEndPoint(new IPAddress([10, 9, 0, 2]), 500), template, 100)!));

        peers.Advance(peers.B.Options.HalfOpenTimeout + TimeSpan.FromSeconds(1));
        Assert.NotNull(Find<SaPayload>(SendWithCookie(peers.B, b, new IPEndPoint(attacker, 2000), template, 200)!));
    }

    /// <summary>
    /// What an unauthenticated peer can park in reassembly: a half-open SA's fragments may hold
    /// <see cref="IkeEngineOptions.HalfOpenReassemblyOctets"/>; a set growing past it is dropped and counted.
    /// </summary>
    [Fact]
    public void A_half_open_sa_holds_at_most_its_reassembly_budget()
    {
        var reassembly = new FragmentReassembly(1, 40, maxOctets: 16 * 1024);
        int stored = 0;
        FragmentReassembly.AddResult last = FragmentReassembly.AddResult.Stored;
        for (ushort n = 1; n <= 40 && last == FragmentReassembly.AddResult.Stored; n++)
        {
            last = reassembly.Add(n, PayloadType.None, new byte[1000]);
            if (last == FragmentReassembly.AddResult.Stored) stored++;
        }
        Assert.Equal(16, stored);
        Assert.Equal(FragmentReassembly.AddResult.TooLarge, last);
    }

    /// <summary>Sends an IKE_SA_INIT, answers a COOKIE as a real initiator does; returns B's last reply's payloads, or null.</summary>
    private static IReadOnlyList<IkePayload>? SendWithCookie(IkeEngine responder, IPEndPoint local, IPEndPoint source, byte[] template, ulong spi)
    {
        byte[] init = (byte[])template.Clone();
        BitConverter.TryWriteBytes(init.AsSpan(0, 8), spi);
        responder.HandleDatagram(local, source, init);
        IReadOnlyList<IkePayload>? reply = Drain(responder);
        if (reply?.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == NotifyType.Cookie) is not { } cookie)
            return reply;
        Assert.True(PayloadCodec.TryDecodeMessage(init, out DecodedMessage? request).IsOk);
        byte[] withCookie = PayloadCodec.EncodePlain(request!.Header, [new NotifyPayload(NotifyType.Cookie, cookie.Data), .. request.Payloads]);
        responder.HandleDatagram(local, source, withCookie);
        return Drain(responder);
    }

    private static IReadOnlyList<IkePayload>? Drain(IkeEngine engine)
    {
        IReadOnlyList<IkePayload>? last = null;
        while (engine.TryDequeueOutgoing(out OutgoingDatagram d))
            last = PayloadCodec.TryDecodeMessage(d.Payload, out DecodedMessage? m).IsOk ? m!.Payloads : null;
        return last;
    }

    private static T? Find<T>(IReadOnlyList<IkePayload>? payloads) where T : IkePayload => payloads?.OfType<T>().FirstOrDefault();

    /// <summary>A well-formed IKE_SA_INIT request (AES-GCM, SHA-256 PRF, X25519), as a flood tool would replay.</summary>
    private static byte[] InitRequest()
    {
        using var kex = KeyExchange.Create(DhGroup.Curve25519);
        return PayloadCodec.EncodePlain(new IkeHeader(1, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0),
        [
            new SaPayload([new Proposal(1, ProtocolId.Ike, [], [new Transform(TransformType.Encryption, 20, 256),
                new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)])]),
            new KePayload(31, kex.PublicValue.ToArray()), new NoncePayload(new byte[32]),
        ]);
    }
}

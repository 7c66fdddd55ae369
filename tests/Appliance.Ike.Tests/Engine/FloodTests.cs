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

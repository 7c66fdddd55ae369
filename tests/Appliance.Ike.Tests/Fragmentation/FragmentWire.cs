using System.Net;
using Appliance.Ike.Messages;
using Appliance.Ike.Tests.Engine;

namespace Appliance.Ike.Tests.Fragmentation;

/// <summary>Two certificate-authenticating engines with a small FragmentSize, and helpers to look at and bend the wire.</summary>
internal static class FragmentWire
{
    public static IkeEngineOptions Options(bool fragmentation = true, int fragmentSize = 576) =>
        new() { Fragmentation = fragmentation, FragmentSize = fragmentSize };

    public static TestPeers CertPeers(RsaChainPki pki, IkeEngineOptions a, IkeEngineOptions b, string ike = "aes256gcm16-prfsha256-curve25519")
    {
        var peers = new TestPeers(a, b);
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential("a.example.com"), ike));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("b.example.com"), ike));
        return peers;
    }

    private static IkeTunnelConfig Tunnel(string name, bool isA, IkeCertificateCredential credential, string ike) =>
        TestPeers.Config(name, isA ? TestPeers.AddressA : TestPeers.AddressB, isA ? TestPeers.AddressB : TestPeers.AddressA,
            isA ? "a.example.com" : "b.example.com", isA ? "b.example.com" : "a.example.com", psk: "",
            localTs: isA ? "10.1.0.0/16" : "10.2.0.0/16", remoteTs: isA ? "10.2.0.0/16" : "10.1.0.0/16", ike: ike)
            with { Certificate = credential };

    public static DecodedMessage Decode(byte[] datagram)
    {
        Assert.True(PayloadCodec.TryDecodeMessage(datagram, out DecodedMessage? m).IsOk);
        return m!;
    }

    public static EncryptedFragmentPayload? Fragment(byte[] datagram) =>
        Decode(datagram).Payloads is [EncryptedFragmentPayload f] ? f : null;

    public static bool IsFragment(byte[] datagram) => Fragment(datagram) is not null;

    public static void AssertEstablished(TestPeers peers)
    {
        Assert.Empty(peers.EventsA.OfType<AuthenticationFailed>());
        Assert.Empty(peers.EventsB.OfType<AuthenticationFailed>());
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        Assert.Equal(a.Outbound.EncryptionKey, b.Inbound.EncryptionKey);
        Assert.Equal(0, peers.A.Counters[IkeCounter.InternalError]);
        Assert.Equal(0, peers.B.Counters[IkeCounter.InternalError]);
    }

    /// <summary>
    /// Moves datagrams both ways until idle; <paramref name="bend"/> sees each batch one side sent (true: from A) and
    /// returns what the link delivers: reordered, duplicated, thinned or altered. Every delivered datagram is recorded.
    /// </summary>
    public static void Pump(TestPeers peers, Func<bool, List<OutgoingDatagram>, List<OutgoingDatagram>> bend,
        List<(bool FromA, byte[] Payload)> delivered)
    {
        for (int round = 0; round < 100; round++)
        {
            bool moved = Move(peers.A, peers.B, true, bend, delivered) | Move(peers.B, peers.A, false, bend, delivered);
            peers.Collect();
            if (!moved)
                return;
        }
        throw new InvalidOperationException("link never went idle");
    }

    private static bool Move(IkeEngine from, IkeEngine to, bool fromA, Func<bool, List<OutgoingDatagram>, List<OutgoingDatagram>> bend,
        List<(bool FromA, byte[] Payload)> delivered)
    {
        var batch = new List<OutgoingDatagram>();
        while (from.TryDequeueOutgoing(out OutgoingDatagram d))
            batch.Add(d);
        if (batch.Count == 0)
            return false;
        foreach (OutgoingDatagram d in bend(fromA, batch))
        {
            delivered.Add((fromA, d.Payload));
            to.HandleDatagram(d.Remote, d.Local, d.Payload);
        }
        return true;
    }

    public static IPEndPoint EndpointA => new(TestPeers.AddressA, 500);
    public static IPEndPoint EndpointB => new(TestPeers.AddressB, 500);
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Appliance.Ike.Tests.Engine;

namespace Appliance.Ike.Tests.Certificates;

/// <summary>Two engines in memory authenticating with certificates (RFC 7296 §2.15, RFC 7427).</summary>
public class CertificateAuthTests
{
    private static IkeTunnelConfig Tunnel(string name, bool isA, IkeCertificateCredential credential, string? localId = null,
        string? remoteId = null) =>
        TestPeers.Config(name, isA ? TestPeers.AddressA : TestPeers.AddressB, isA ? TestPeers.AddressB : TestPeers.AddressA,
            localId ?? (isA ? "a.example.com" : "b.example.com"), remoteId ?? (isA ? "b.example.com" : "a.example.com"), psk: "",
            localTs: isA ? "10.1.0.0/16" : "10.2.0.0/16", remoteTs: isA ? "10.2.0.0/16" : "10.1.0.0/16")
            with { Certificate = credential };

    private static (TestPeers Peers, TestPki Pki) Pair(string kindA = "p256", string kindB = "p256")
    {
        var peers = new TestPeers();
        var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential(kindA, "a.example.com")));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential(kindB, "b.example.com")));
        return (peers, pki);
    }

    private static void AssertEstablished(TestPeers peers)
    {
        Assert.Empty(peers.EventsA.OfType<AuthenticationFailed>());
        Assert.Empty(peers.EventsB.OfType<AuthenticationFailed>());
        Assert.Equal("b.example.com", peers.Single<IkeSaEstablished>(peers.EventsA).RemoteId.ToString());
        Assert.Equal("a.example.com", peers.Single<IkeSaEstablished>(peers.EventsB).RemoteId.ToString());
        ChildSaInfo a = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        ChildSaInfo b = peers.Single<ChildSaEstablished>(peers.EventsB).Child;
        Assert.Equal(a.OutboundSpi, b.InboundSpi);
        Assert.Equal(a.Outbound.EncryptionKey, b.Inbound.EncryptionKey);
    }

    private static void AssertFailed(TestPeers peers, bool verifierIsB, string reason)
    {
        List<IkeEvent> verifier = verifierIsB ? peers.EventsB : peers.EventsA;
        Assert.Contains(reason, peers.Single<AuthenticationFailed>(verifier).Detail);
        Assert.Contains("AUTHENTICATION_FAILED", peers.Single<AuthenticationFailed>(verifierIsB ? peers.EventsA : peers.EventsB).Detail);
        Assert.Empty(peers.EventsA.OfType<ChildSaEstablished>());
        Assert.Empty(peers.EventsB.OfType<ChildSaEstablished>());
        Assert.Equal(1, (verifierIsB ? peers.B : peers.A).Counters[IkeCounter.AuthenticationFailed]);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
        Assert.Null(peers.B.GetStatus().Tunnels[0].IkeSa);
    }

    [Theory]
    [InlineData("p256", "p256")]
    [InlineData("p384", "p384")]
    [InlineData("rsa2048", "rsa2048")]
    [InlineData("p256", "rsa2048")]
    [InlineData("ed25519", "ed25519")]
    [InlineData("ed25519", "p384")]
    public void Established_when_A_initiates(string kindA, string kindB)
    {
        (TestPeers peers, TestPki pki) = Pair(kindA, kindB);
        using (pki)
        {
            peers.A.Initiate("to-b");
            peers.Pump();
            AssertEstablished(peers);
        }
    }

    [Theory]
    [InlineData("p256")]
    [InlineData("p384")]
    [InlineData("rsa2048")]
    [InlineData("ed25519")]
    public void Established_when_B_initiates(string kind)
    {
        (TestPeers peers, TestPki pki) = Pair(kind, kind);
        using (pki)
        {
            peers.B.Initiate("to-a");
            peers.Pump();
            AssertEstablished(peers);
            Assert.False(peers.Single<IkeSaEstablished>(peers.EventsA).IsInitiator);
        }
    }

    [Fact]
    public void Wire_carries_signature_hashes_CERT_CERTREQ_and_AUTH_method_14()
    {
        (TestPeers peers, TestPki pki) = Pair();
        using (pki)
        {
            peers.A.Initiate("to-b");
            peers.Pump();
            AssertEstablished(peers);

            // IKE_SA_INIT is plaintext: both sides announce SHA2-256/384/512 (RFC 7427 §4) and Identity (RFC 8420); the
            // responder asks for a certificate.
            Assert.True(PayloadCodec.TryDecodeMessage(peers.Delivered[0].Datagram.Payload, out DecodedMessage? init).IsOk);
            Assert.True(PayloadCodec.TryDecodeMessage(peers.Delivered[1].Datagram.Payload, out DecodedMessage? initR).IsOk);
            byte[] hashes = [0, 2, 0, 3, 0, 4, 0, 5];
            Assert.Equal(hashes, Assert.Single(init!.Payloads.OfType<NotifyPayload>(), n => n.NotifyType == NotifyType.SignatureHashAlgorithms).Data);
            Assert.Equal(hashes, Assert.Single(initR!.Payloads.OfType<NotifyPayload>(), n => n.NotifyType == NotifyType.SignatureHashAlgorithms).Data);
            byte[] caKeyHash = SHA1.HashData(pki.Ca.PublicKey.ExportSubjectPublicKeyInfo());
            CertificatePayload initCertReq = Assert.Single(initR.Payloads.OfType<CertificatePayload>());
            Assert.True(initCertReq.IsRequest);
            Assert.Equal(caKeyHash, initCertReq.Data);

            List<AhWire.Opened> wire = AhWire.Open(peers);
            List<IkePayload> request = AhWire.Request(wire, ExchangeType.IkeAuth).Inner;
            List<IkePayload> response = AhWire.Response(wire, ExchangeType.IkeAuth).Inner;
            CertificatePayload cert = Assert.Single(request.OfType<CertificatePayload>(), c => !c.IsRequest);
            Assert.Equal(4, cert.Encoding);
            using X509Certificate2 sent = X509CertificateLoader.LoadCertificate(cert.Data);
            Assert.Equal("CN=a.example.com, O=Appliance Test", sent.Subject);
            CertificatePayload certReq = Assert.Single(request.OfType<CertificatePayload>(), c => c.IsRequest);
            Assert.Equal(4, certReq.Encoding);
            Assert.Equal(caKeyHash, certReq.Data);
            // RFC 7296 §1.2 order: IDi, CERT, CERTREQ, ..., AUTH.
            Assert.IsType<IdPayload>(request[0]);
            Assert.Same(cert, request[1]);
            Assert.Same(certReq, request[2]);

            byte[] ecdsaWithSha256 = [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
            foreach (List<IkePayload> message in new[] { request, response })
            {
                AuthPayload auth = Assert.Single(message.OfType<AuthPayload>());
                Assert.Equal(AuthMethod.DigitalSignature, auth.Method);
                Assert.Equal(ecdsaWithSha256.Length, auth.Data[0]);
                Assert.Equal(ecdsaWithSha256, auth.Data[1..(1 + ecdsaWithSha256.Length)]);
                Assert.Equal(0x30, auth.Data[1 + ecdsaWithSha256.Length]); // DER Ecdsa-Sig-Value (RFC 7427 Appendix A)
            }
            Assert.Single(response.OfType<CertificatePayload>(), c => !c.IsRequest && c.Encoding == 4);
            Assert.DoesNotContain(response.OfType<CertificatePayload>(), c => c.IsRequest);
        }
    }

    [Fact]
    public void Responder_rejects_a_certificate_from_another_CA()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        using var rogue = new TestPki("Rogue CA", peers.Time.GetUtcNow());
        // A's certificate is issued by the rogue CA under the same name; B trusts the real one only.
        peers.A.AddTunnel(Tunnel("to-b", true, rogue.Credential("p256", "a.example.com", trust: pki)));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com")));
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertFailed(peers, verifierIsB: true, "not valid under our trust anchors");
    }

    [Fact]
    public void Initiator_rejects_a_responder_certificate_from_another_CA()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        using var rogue = new TestPki("Rogue CA", peers.Time.GetUtcNow());
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential("p256", "a.example.com")));
        peers.B.AddTunnel(Tunnel("to-a", false, rogue.Credential("p256", "b.example.com", trust: pki)));
        peers.A.Initiate("to-b");
        peers.Pump();
        // B accepted A, so B saw an IKE SA; A refuses B's certificate and tells B in an INFORMATIONAL.
        Assert.Contains("not valid under our trust anchors", peers.Single<AuthenticationFailed>(peers.EventsA).Detail);
        Assert.Empty(peers.EventsA.OfType<IkeSaEstablished>());
        Assert.Equal(1, peers.A.Counters[IkeCounter.AuthenticationFailed]);
        Assert.Null(peers.A.GetStatus().Tunnels[0].IkeSa);
    }

    [Fact]
    public void Expired_certificate_fails_authentication()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential("p256", "a.example.com", validFor: TimeSpan.FromDays(2))));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com")));
        peers.Advance(TimeSpan.FromDays(3)); // the fake clock passes A's notAfter
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertFailed(peers, verifierIsB: true, "NotTimeValid");
        // The reason shows the validity period and points at the clock (a board without RTC before NTP).
        Assert.Contains("the box's clock is not set", peers.Single<AuthenticationFailed>(peers.EventsB).Detail);
    }

    [Fact]
    public void Certificate_valid_on_the_fake_clock_works_before_it_expires()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential("p256", "a.example.com", validFor: TimeSpan.FromDays(2))));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com")));
        peers.Advance(TimeSpan.FromDays(1));
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertEstablished(peers);
    }

    [Fact]
    public void Identity_not_named_in_the_certificate_fails_authentication()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        // A claims an identity its (valid, trusted) certificate does not name; B accepts any identity the CA vouches for.
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential("p256", "a.example.com"), localId: "hq-admin.example.com"));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com"), remoteId: "%any"));
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertFailed(peers, verifierIsB: true, "is not named in the peer's certificate");
    }

    [Fact]
    public void Tampered_AUTH_signature_fails_authentication()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 cert = pki.Issue(key, "a.example.com");
        peers.A.AddTunnel(Tunnel("to-b", true, new IkeCertificateCredential(cert, new TamperingEcdsa(key), [pki.Anchor])));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com")));
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertFailed(peers, verifierIsB: true, "signature does not verify");
    }

    [Fact]
    public void Psk_initiator_is_refused_by_a_certificate_responder()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com")));
        peers.A.Initiate("to-b");
        peers.Pump();
        AssertFailed(peers, verifierIsB: true, "pre-shared key");
    }

    [Fact]
    public void Distinguished_name_identity_matches_the_certificate_subject()
    {
        var peers = new TestPeers();
        using var pki = new TestPki("Test Root CA", peers.Time.GetUtcNow());
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string dn = "CN=branch-7, OU=Branches, O=Appliance Test";
        peers.A.AddTunnel(Tunnel("to-b", true, pki.Credential(key, "a.example.com", subject: dn), localId: dn));
        peers.B.AddTunnel(Tunnel("to-a", false, pki.Credential("p256", "b.example.com"), remoteId: dn));
        peers.A.Initiate("to-b");
        peers.Pump();
        Assert.Empty(peers.EventsB.OfType<AuthenticationFailed>());
        IkeIdentity seen = peers.Single<IkeSaEstablished>(peers.EventsB).RemoteId;
        Assert.Equal(IkeIdType.DerAsn1Dn, seen.Type);
        Assert.Equal(dn, seen.ToString());
        peers.Single<ChildSaEstablished>(peers.EventsA);
    }

    [Fact]
    public void Tunnel_with_a_certificate_needs_no_psk_and_never_prints_its_key()
    {
        using var pki = new TestPki("Test Root CA", DateTimeOffset.UtcNow);
        IkeTunnelConfig config = Tunnel("to-b", true, pki.Credential("p256", "a.example.com"));
        new IkeEngine(TimeProvider.System).AddTunnel(config);
        string text = config.ToString();
        Assert.Contains("CN=a.example.com", text);
        Assert.DoesNotContain("PRIVATE", text, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => new IkeEngine(TimeProvider.System).AddTunnel(config with { Certificate = null }));
    }

    [Fact]
    public void Credential_refuses_a_key_that_is_not_the_certificates()
    {
        using var pki = new TestPki("Test Root CA", DateTimeOffset.UtcNow);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 cert = pki.Issue(key, "a.example.com");
        var e = Assert.Throws<ArgumentException>(() => new IkeCertificateCredential(cert, other, [pki.Anchor]));
        Assert.Contains("does not belong", e.Message);
        Assert.Throws<ArgumentException>(() => new IkeCertificateCredential(cert, key, []));
    }
}

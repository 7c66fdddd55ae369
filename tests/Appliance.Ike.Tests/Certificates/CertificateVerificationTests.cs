using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Certificates;

/// <summary>The peer's CERT payloads: chains through intermediates, and bad input is a failure reason, never an exception.</summary>
public class CertificateVerificationTests
{
    private static readonly byte[] Octets = System.Text.Encoding.ASCII.GetBytes("signed octets");
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static (IkeCertificateCredential Ours, List<IkePayload> Payloads, AuthPayload Auth) Peer(TestPki pki, IkeCertificateCredential peer,
        params byte[][] certs)
    {
        var payloads = new List<IkePayload>();
        foreach (byte[] c in certs)
            payloads.Add(new CertificatePayload(false, 4, c));
        AuthPayload auth = SignatureAuthentication.Sign(peer, [SignatureHash.Sha2_256], Octets);
        payloads.Add(auth);
        return (pki.Credential("p256", "us.example.com"), payloads, auth);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x30 })]
    [InlineData(new byte[] { 0x30, 0x82, 0xff, 0xff, 0x00 })]
    [InlineData(new byte[] { 0x04, 0x02, 0x41, 0x41 })]
    public void Garbage_in_CERT_is_a_failure_reason(byte[] garbage)
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential peer = pki.Credential("p256", "peer.example.com");
        (IkeCertificateCredential ours, List<IkePayload> payloads, AuthPayload auth) = Peer(pki, peer, garbage);
        string? failure = CertificateVerification.Verify(ours, payloads, auth, Octets, IkeIdentity.Parse("peer.example.com"), Now);
        Assert.Equal("the peer's CERT payload is not a DER X.509 certificate", failure);
    }

    [Fact]
    public void No_CERT_or_another_encoding_is_a_failure_reason()
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential peer = pki.Credential("p256", "peer.example.com");
        (IkeCertificateCredential ours, List<IkePayload> payloads, AuthPayload auth) = Peer(pki, peer);
        Assert.Equal("the peer sent no certificate",
            CertificateVerification.Verify(ours, payloads, auth, Octets, IkeIdentity.Parse("peer.example.com"), Now));
        payloads.Insert(0, new CertificatePayload(false, 12, peer.Certificate.RawData)); // 12: hash and URL of X.509
        Assert.Contains("encoding 12", CertificateVerification.Verify(ours, payloads, auth, Octets, IkeIdentity.Parse("peer.example.com"), Now));
    }

    [Fact]
    public void Peer_certificate_chains_through_an_intermediate_it_sends()
    {
        using var pki = new TestPki("Root", Now);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ireq = new CertificateRequest("CN=Intermediate, O=Appliance Test", intermediateKey, HashAlgorithmName.SHA256);
        ireq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        ireq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using X509Certificate2 intermediatePublic = ireq.Create(pki.Ca, Now.AddDays(-1), Now.AddYears(1), [7, 7]);
        using X509Certificate2 intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var lreq = new CertificateRequest("CN=peer.example.com", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("peer.example.com");
        lreq.CertificateExtensions.Add(san.Build());
        X509Certificate2 leaf = lreq.Create(intermediate, Now.AddDays(-1), Now.AddDays(30), [8, 8]);
        var peer = new IkeCertificateCredential(leaf, leafKey, [pki.Anchor], [X509CertificateLoader.LoadCertificate(intermediate.RawData)]);

        (IkeCertificateCredential ours, List<IkePayload> withIntermediate, AuthPayload auth) = Peer(pki, peer, leaf.RawData, intermediate.RawData);
        Assert.Null(CertificateVerification.Verify(ours, withIntermediate, auth, Octets, IkeIdentity.Parse("peer.example.com"), Now));
        (_, List<IkePayload> leafOnly, _) = Peer(pki, peer, leaf.RawData);
        Assert.Contains("not valid under our trust anchors", CertificateVerification.Verify(ours, leafOnly, auth, Octets,
            IkeIdentity.Parse("peer.example.com"), Now));
    }

    [Fact]
    public void Certificate_not_yet_valid_is_refused()
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential peer = pki.Credential("p256", "peer.example.com");
        (IkeCertificateCredential ours, List<IkePayload> payloads, AuthPayload auth) = Peer(pki, peer, peer.Certificate.RawData);
        Assert.Null(CertificateVerification.Verify(ours, payloads, auth, Octets, IkeIdentity.Parse("peer.example.com"), Now));
        // A box whose clock is behind (two days before the certificate's notBefore) must not accept it.
        Assert.Contains("NotTimeValid", CertificateVerification.Verify(ours, payloads, auth, Octets, IkeIdentity.Parse("peer.example.com"),
            Now.AddDays(-3)));
    }
}

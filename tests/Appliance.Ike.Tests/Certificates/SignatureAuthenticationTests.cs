using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Certificates;

/// <summary>AUTH signatures and certificate identity checks in isolation (RFC 7296 §3.8, RFC 4754, RFC 7427).</summary>
public class SignatureAuthenticationTests
{
    private static readonly byte[] Octets = System.Text.Encoding.ASCII.GetBytes("RealMessage1 | NonceRData | MACedIDForI");
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("p256", AuthMethod.EcdsaSha256P256, 64)]
    [InlineData("p384", AuthMethod.EcdsaSha384P384, 96)]
    [InlineData("p521", AuthMethod.EcdsaSha512P521, 132)]
    public void Without_RFC_7427_ECDSA_uses_RFC_4754_fixed_size_r_and_s(string kind, AuthMethod method, int length)
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential(kind, "a.example.com");
        AuthPayload auth = SignatureAuthentication.Sign(c, [], Octets);
        Assert.Equal(method, auth.Method);
        Assert.Equal(length, auth.Data.Length);
        Assert.Null(SignatureAuthentication.Verify(c.Certificate, auth, Octets));
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, auth, [.. Octets, 0]));
    }

    [Fact]
    public void Without_RFC_7427_RSA_uses_method_1()
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential("rsa2048", "a.example.com");
        AuthPayload auth = SignatureAuthentication.Sign(c, [], Octets);
        Assert.Equal(AuthMethod.RsaDigitalSignature, auth.Method);
        Assert.Equal(256, auth.Data.Length);
        Assert.Null(SignatureAuthentication.Verify(c.Certificate, auth, Octets));
    }

    [Theory]
    [InlineData("p256", new ushort[] { 2, 3 }, "1.2.840.10045.4.3.2")]
    [InlineData("p384", new ushort[] { 2, 3 }, "1.2.840.10045.4.3.3")]
    [InlineData("p384", new ushort[] { 4 }, "1.2.840.10045.4.3.4")]
    [InlineData("rsa2048", new ushort[] { 2 }, "1.2.840.113549.1.1.11")]
    [InlineData("rsa2048", new ushort[] { 3 }, "1.2.840.113549.1.1.12")]
    public void Method_14_names_the_algorithm_the_key_and_the_peer_agree_on(string kind, ushort[] peer, string oid)
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential(kind, "a.example.com");
        AuthPayload auth = SignatureAuthentication.Sign(c, peer.Select(h => (SignatureHash)h).ToList(), Octets);
        Assert.Equal(AuthMethod.DigitalSignature, auth.Method);
        var seq = new AsnReader(auth.Data.AsMemory(1, auth.Data[0]), AsnEncodingRules.DER).ReadSequence();
        Assert.Equal(oid, seq.ReadObjectIdentifier());
        Assert.Null(SignatureAuthentication.Verify(c.Certificate, auth, Octets));
        byte[] tampered = (byte[])auth.Data.Clone();
        tampered[^5] ^= 0x40;
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, new AuthPayload(AuthMethod.DigitalSignature, tampered), Octets));
    }

    [Fact]
    public void Ed25519_signs_with_method_14_and_id_Ed25519_as_RFC_8420_says()
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential("ed25519", "a.example.com");
        AuthPayload auth = SignatureAuthentication.Sign(c, [SignatureHash.Identity], Octets);
        Assert.Equal(AuthMethod.DigitalSignature, auth.Method);
        Assert.Equal(new byte[] { 7, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 }, auth.Data[..8]); // RFC 8420 §A.1
        Assert.Equal(8 + 64, auth.Data.Length);
        Assert.Null(SignatureAuthentication.Verify(c.Certificate, auth, Octets));
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, auth, [.. Octets, 0]));
        byte[] tampered = (byte[])auth.Data.Clone();
        tampered[20] ^= 1;
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, new AuthPayload(AuthMethod.DigitalSignature, tampered), Octets));
        IkeCertificateCredential ec = pki.Credential("p256", "a.example.com");
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, SignatureAuthentication.Sign(ec, [SignatureHash.Sha2_256], Octets), Octets));
        Assert.Contains("no Ed25519 key", SignatureAuthentication.Verify(ec.Certificate, auth, Octets));
    }

    [Theory]
    [InlineData("2.16.840.1.101.3.4.2.1", 32, true)]
    [InlineData("2.16.840.1.101.3.4.2.3", 64, true)]
    [InlineData("2.16.840.1.101.3.4.2.1", 20, false)] // salt length other than the hash length
    public void RSASSA_PSS_signatures_verify(string hashOid, int salt, bool ok)
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential("rsa2048", "a.example.com");
        var rsa = (RSA)c.PrivateKey!;
        HashAlgorithmName hash = hashOid.EndsWith(".1") ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;
        byte[] signature = rsa.SignData(Octets, hash, RSASignaturePadding.Pss);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.113549.1.1.10");
            using (w.PushSequence())
            {
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0))) WriteAlgorithm(w, hashOid);
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                    WriteAlgorithm(w, hashOid);
                }
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2))) w.WriteInteger(salt);
            }
        }
        byte[] algorithm = w.Encode();
        byte[] data = [(byte)algorithm.Length, .. algorithm, .. signature];
        string? failure = SignatureAuthentication.Verify(c.Certificate, new AuthPayload(AuthMethod.DigitalSignature, data), Octets);
        Assert.Equal(ok, failure is null);
    }

    private static void WriteAlgorithm(AsnWriter w, string oid)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
            w.WriteNull();
        }
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 12, 0x30, 0x0a })]
    [InlineData(new byte[] { 3, 0x30, 0x01, 0x05, 0x00 })]
    [InlineData(new byte[] { 2, 0x04, 0x00, 0x30, 0x00 })]
    public void Malformed_method_14_data_is_a_failure_not_a_crash(byte[] data)
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential c = pki.Credential("p256", "a.example.com");
        Assert.NotNull(SignatureAuthentication.Verify(c.Certificate, new AuthPayload(AuthMethod.DigitalSignature, data), Octets));
    }

    [Fact]
    public void Wrong_key_type_for_the_method_is_refused()
    {
        using var pki = new TestPki("CA", Now);
        IkeCertificateCredential ec = pki.Credential("p256", "a.example.com");
        IkeCertificateCredential rsa = pki.Credential("rsa2048", "a.example.com");
        AuthPayload rsaAuth = SignatureAuthentication.Sign(rsa, [SignatureHash.Sha2_256], Octets);
        Assert.Contains("no RSA key", SignatureAuthentication.Verify(ec.Certificate, rsaAuth, Octets));
        AuthPayload p256 = SignatureAuthentication.Sign(ec, [], Octets);
        Assert.NotNull(SignatureAuthentication.Verify(rsa.Certificate, p256, Octets));
        Assert.NotNull(SignatureAuthentication.Verify(ec.Certificate, new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[32]), Octets));
    }

    [Fact]
    public void Certificate_names_its_dns_email_ip_and_subject_identities()
    {
        using var pki = new TestPki("CA", Now);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 cert = pki.Issue(key, "Branch1.Example.com", email: "ops@example.com", ip: IPAddress.Parse("192.0.2.7"));
        Assert.True(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("branch1.example.com")));
        Assert.True(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("ops@example.com")));
        Assert.True(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("192.0.2.7")));
        Assert.True(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("CN=Branch1.Example.com, O=Appliance Test")));
        Assert.False(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("branch2.example.com")));
        Assert.False(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("192.0.2.8")));
        Assert.False(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("CN=Branch1.Example.com")));
        Assert.False(CertificateVerification.NamesIdentity(cert, IkeIdentity.Parse("keyid:branch1")));
        Assert.False(CertificateVerification.NamesIdentity(cert, IkeIdentity.Any));
        Assert.Equal("Branch1.Example.com", CertificateVerification.FirstDnsName(cert));
    }

    [Fact]
    public void Peer_signature_hash_notify_is_read_within_bounds()
    {
        IReadOnlyList<SignatureHash> Read(byte[] data) => SignatureHashAlgorithms.Read([new NotifyPayload(NotifyType.SignatureHashAlgorithms, data)]);
        Assert.Equal([SignatureHash.Sha2_256, SignatureHash.Sha2_512], Read([0, 2, 0, 9, 0, 4, 0, 2]));
        Assert.Equal([SignatureHash.Identity], Read([0, 5]));
        Assert.Empty(Read([0, 2, 0]));
        Assert.Empty(Read([]));
        Assert.Empty(SignatureHashAlgorithms.Read([]));
    }
}

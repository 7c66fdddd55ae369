using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Ike.Tests.Certificates;

/// <summary>A CA and leaf certificates made at test time with <see cref="CertificateRequest"/>.</summary>
internal sealed class TestPki : IDisposable
{
    private static long s_serial = 1000;
    private readonly ECDsa _caKey;

    public TestPki(string name, DateTimeOffset now)
    {
        Now = now;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}, O=Appliance Test", _caKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        Ca = req.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    public DateTimeOffset Now { get; }
    /// <summary>The CA certificate, with its private key (it signs the leaves).</summary>
    public X509Certificate2 Ca { get; }
    /// <summary>The CA as a peer would know it: the certificate alone.</summary>
    public X509Certificate2 Anchor => X509CertificateLoader.LoadCertificate(Ca.RawData);

    public static AsymmetricAlgorithm NewKey(string kind) => kind switch
    {
        "p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        "p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        "p521" => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        "rsa2048" => RSA.Create(2048),
        _ => throw new ArgumentException(kind, nameof(kind)),
    };

    /// <summary>A leaf for <paramref name="dnsName"/> (subject CN and dNSName SAN), valid from a day ago for <paramref name="validFor"/>.</summary>
    public X509Certificate2 Issue(AsymmetricAlgorithm key, string dnsName, TimeSpan? validFor = null, string? subject = null,
        string? email = null, System.Net.IPAddress? ip = null)
    {
        string dn = subject ?? $"CN={dnsName}, O=Appliance Test";
        CertificateRequest req = key switch
        {
            ECDsa ec => new CertificateRequest(dn, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(dn, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("key", nameof(key)),
        };
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        if (email is not null) san.AddEmailAddress(email);
        if (ip is not null) san.AddIpAddress(ip);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref s_serial));
        DateTimeOffset notAfter = Now + (validFor ?? TimeSpan.FromDays(365));
        // The generator overload lets the ECDSA CA sign RSA leaves too.
        return req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), Now.AddDays(-1), notAfter, serial);
    }

    /// <summary>A complete credential: key, leaf for <paramref name="dnsName"/>, and this CA as the trust anchor.</summary>
    public IkeCertificateCredential Credential(string kind, string dnsName, TimeSpan? validFor = null, TestPki? trust = null) =>
        kind == "ed25519" ? Ed25519Credential(dnsName, trust) : Credential(NewKey(kind), dnsName, validFor, trust);

    /// <summary>An Ed25519 leaf (RFC 8410 SubjectPublicKeyInfo) signed by this ECDSA CA: .NET cannot make the key, libsodium can.</summary>
    public IkeCertificateCredential Ed25519Credential(string dnsName, TestPki? trust = null)
    {
        var signer = new Ed25519Signer(RandomNumberGenerator.GetBytes(32));
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence()) w.WriteObjectIdentifier(Ed25519Signer.Oid);
            w.WriteBitString(signer.PublicKey);
        }
        PublicKey publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(w.Encode(), out _);
        var req = new CertificateRequest(new X500DistinguishedName($"CN={dnsName}, O=Appliance Test"), publicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        X509Certificate2 cert = req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), Now.AddDays(-1), Now.AddDays(365),
            BitConverter.GetBytes(Interlocked.Increment(ref s_serial)));
        return new IkeCertificateCredential(cert, signer, [(trust ?? this).Anchor]);
    }

    public IkeCertificateCredential Credential(AsymmetricAlgorithm key, string dnsName, TimeSpan? validFor = null, TestPki? trust = null,
        string? subject = null) =>
        new(Issue(key, dnsName, validFor, subject), key, [(trust ?? this).Anchor]);

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}

/// <summary>An ECDSA key that signs wrongly (one bit of r flipped): the peer must reject its AUTH.</summary>
internal sealed class TamperingEcdsa : ECDsa
{
    private readonly ECDsa _inner;

    public TamperingEcdsa(ECDsa inner)
    {
        _inner = inner;
        KeySizeValue = inner.KeySize;
        LegalKeySizesValue = [new KeySizes(inner.KeySize, inner.KeySize, 0)];
    }

    public override byte[] SignHash(byte[] hash)
    {
        byte[] sig = _inner.SignHash(hash);
        sig[^1] ^= 0x01;
        return sig;
    }

    public override bool VerifyHash(byte[] hash, byte[] signature) => _inner.VerifyHash(hash, signature);
    public override ECParameters ExportParameters(bool includePrivateParameters) => _inner.ExportParameters(includePrivateParameters);
    public override ECParameters ExportExplicitParameters(bool includePrivateParameters) => _inner.ExportExplicitParameters(includePrivateParameters);
    public override void ImportParameters(ECParameters parameters) => _inner.ImportParameters(parameters);
    public override void GenerateKey(ECCurve curve) => _inner.GenerateKey(curve);
}

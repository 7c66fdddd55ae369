using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Ike.Tests.Fragmentation;

/// <summary>
/// RSA-2048 root → RSA-2048 intermediate → RSA-2048 leaves: each side sends leaf and intermediate in IKE_AUTH,
/// which makes the message 2–3 KB, as with a real branch-office PKI.
/// </summary>
internal sealed class RsaChainPki : IDisposable
{
    private readonly RSA _rootKey = RSA.Create(2048);
    private readonly RSA _intermediateKey = RSA.Create(2048);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _intermediate;
    private readonly DateTimeOffset _now;

    public RsaChainPki(DateTimeOffset now)
    {
        _now = now;
        var rootReq = new CertificateRequest("CN=Fragment Test Root, O=Appliance Test", _rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddCaExtensions(rootReq);
        _root = rootReq.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        var intReq = new CertificateRequest("CN=Fragment Test Intermediate, O=Appliance Test", _intermediateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddCaExtensions(intReq);
        using X509Certificate2 intPublic = intReq.Create(_root, now.AddDays(-1), now.AddYears(2), [1, 1]);
        _intermediate = intPublic.CopyWithPrivateKey(_intermediateKey);
    }

    private static void AddCaExtensions(CertificateRequest req)
    {
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
    }

    /// <summary>The root, as a peer's trust anchor.</summary>
    public X509Certificate2 Root => _root;
    public X509Certificate2 Intermediate => _intermediate;

    public IkeCertificateCredential Credential(string dnsName)
    {
        (X509Certificate2 leaf, RSA key) = Issue(dnsName);
        return new IkeCertificateCredential(leaf, key, [X509CertificateLoader.LoadCertificate(_root.RawData)],
            [X509CertificateLoader.LoadCertificate(_intermediate.RawData)]);
    }

    /// <summary>An RSA-2048 leaf for <paramref name="dnsName"/> signed by the intermediate, with its key.</summary>
    public (X509Certificate2 Leaf, RSA Key) Issue(string dnsName)
    {
        var key = RSA.Create(2048);
        var req = new CertificateRequest($"CN={dnsName}, O=Appliance Test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F; // a positive serial number (RFC 5280 §4.1.2.2)
        return (req.Create(_intermediate, _now.AddDays(-1), _now.AddDays(365), serial), key);
    }

    public void Dispose()
    {
        _root.Dispose();
        _intermediate.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
    }
}

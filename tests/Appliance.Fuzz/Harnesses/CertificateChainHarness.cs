using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The peer's certificate authentication as IKE_AUTH receives it: a payload chain (CERT, AUTH, anything else) decoded
/// as the engine does, then CertificateVerification (DER load of every X.509 CERT, chain to our fixed test CA, identity
/// against subjectAltName/subject, AUTH signature). Input: [identity] then the chain, first payload CERT. The identity
/// byte picks what IDr claims (FQDN, IPv4, e-mail, DN, a wrong name), so every NamesIdentity branch is reachable.
/// Every certificate that loads is also matched against each identity: the CA could have signed any subjectAltName.
/// </summary>
public sealed class CertificateChainHarness : IHarness
{
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] SignedOctets = [.. System.Text.Encoding.ASCII.GetBytes("what IKE_AUTH signs: message, nonce, prf(SK_p, ID)")];
    private static readonly Lazy<IkeCertificateCredential> Ours = new(LoadCredential);
    private static readonly IkeIdentity[] Identities =
    [
        IkeIdentity.Parse("hq.example.com"), IkeIdentity.Parse("198.51.100.2"), IkeIdentity.Parse("hq@example.com"),
        IkeIdentity.Parse("CN=hq.example.com, O=Appliance fuzzing"), IkeIdentity.Parse("other.example.com"), IkeIdentity.Any,
    ];

    public string Name => "ike-cert";
    public string Description => "CERT/AUTH payloads -> X.509 load, chain to the trust anchors, identity match, AUTH signature";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1) return;
        var payloads = new List<IkePayload>();
        if (!PayloadCodec.TryDecodeChain(input[1..], PayloadType.Certificate, false, payloads, out _).IsOk) return;
        AuthPayload auth = payloads.OfType<AuthPayload>().FirstOrDefault() ?? new AuthPayload(AuthMethod.EcdsaSha256P256, new byte[64]);
        IkeIdentity claimed = Identities[input[0] % Identities.Length];
        CertificateVerification.Verify(Ours.Value, payloads, auth, SignedOctets, claimed, Now);
        foreach (CertificatePayload cert in payloads.OfType<CertificatePayload>().Where(c => !c.IsRequest && c.Encoding == CertificatePayloads.X509Signature))
        {
            X509Certificate2 loaded;
            try { loaded = X509CertificateLoader.LoadCertificate(cert.Data); }
            catch (CryptographicException) { continue; }
            using (loaded)
                foreach (IkeIdentity id in Identities)
                    CertificateVerification.NamesIdentity(loaded, id);
        }
    }

    private static IkeCertificateCredential LoadCredential()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "ca.crt"));
        X509Certificate2 hq = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "hq.crt"));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(dir, "hq.key")));
        return new IkeCertificateCredential(hq, key, [ca]);
    }

    public IEnumerable<byte[]> Seeds()
    {
        IkeCertificateCredential hq = Ours.Value;
        CertificatePayload cert = CertificatePayloads.Cert(hq.Certificate);
        CertificatePayload ca = CertificatePayloads.Cert(hq.TrustAnchors[0]);
        AuthPayload rfc4754 = SignatureAuthentication.Sign(hq, [], SignedOctets);
        AuthPayload rfc7427 = SignatureAuthentication.Sign(hq, SignatureHashAlgorithms.Supported, SignedOctets);
        for (byte id = 0; id < 4; id++)
            yield return [id, .. PayloadCodec.EncodeChain([cert, id % 2 == 0 ? rfc4754 : rfc7427])];
        yield return [0, .. PayloadCodec.EncodeChain([cert, ca, rfc7427])];
        yield return [4, .. PayloadCodec.EncodeChain([cert, CertificatePayloads.Request(hq.TrustAnchors), rfc4754])];
    }
}

using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Checks the peer's certificate authentication (RFC 7296 §2.15, §3.6): its end-entity CERT chains to one of our trust
/// anchors at the engine's time (no revocation fetching, no downloads), the identity it claims in IDi/IDr is one the
/// certificate names, and AUTH is a valid signature by the certificate's key. Every failure is a reason string: the
/// caller answers AUTHENTICATION_FAILED.
/// </summary>
internal static class CertificateVerification
{
    public static string? Verify(IkeCertificateCredential ours, IReadOnlyList<IkePayload> payloads, AuthPayload auth,
        byte[] signedOctets, IkeIdentity claimed, DateTimeOffset now)
    {
        List<CertificatePayload> certs = payloads.OfType<CertificatePayload>().Where(c => !c.IsRequest).ToList();
        if (certs.Count == 0)
            return "the peer sent no certificate";
        if (certs[0].Encoding != CertificatePayloads.X509Signature)
            return $"the peer's certificate encoding {certs[0].Encoding} is not X.509 signature (4)";
        var loaded = new List<X509Certificate2>();
        try
        {
            foreach (CertificatePayload c in certs.Where(c => c.Encoding == CertificatePayloads.X509Signature))
                loaded.Add(X509CertificateLoader.LoadCertificate(c.Data));
        }
        catch (CryptographicException)
        {
            DisposeAll(loaded);
            return "the peer's CERT payload is not a DER X.509 certificate";
        }
        try
        {
            X509Certificate2 leaf = loaded[0];
            return Chain(ours, leaf, loaded.Skip(1), now)
                ?? (NamesIdentity(leaf, claimed) ? null : $"identity '{claimed}' is not named in the peer's certificate '{leaf.Subject}'")
                ?? SignatureAuthentication.Verify(leaf, auth, signedOctets);
        }
        catch (CryptographicException e)
        {
            // DER that loads can still be refused later: OpenSSL's chain builder ("x509 certificate routines::internal
            // error") or a validity field it cannot convert. Found by the ike-cert fuzz harness; an AUTH failure, not
            // an engine error.
            return $"the peer's certificate cannot be verified: {e.Message}";
        }
        finally
        {
            DisposeAll(loaded);
        }
    }

    private static string? Chain(IkeCertificateCredential ours, X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        X509ChainPolicy policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(ours.TrustAnchors.ToArray());
        policy.ExtraStore.AddRange(intermediates.ToArray());
        // A branch box must not fetch CRLs or AIA certificates from the Internet during IKE: its clock and
        // the anchors it was provisioned with decide.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        if (chain.Build(leaf))
            return null;
        string status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        // A board without a real-time clock starts at its image's build date until NTP answers: say so, because
        // "not yet valid" then points at the clock, not at the certificate.
        string clock = chain.ChainStatus.Any(s => s.Status == X509ChainStatusFlags.NotTimeValid)
            ? $"; valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u} - if {now:u} is not the current time, the box's clock is not set (NTP)"
            : "";
        return $"the peer's certificate '{leaf.Subject}' is not valid under our trust anchors at {now:u} ({status}){clock}";
    }

    /// <summary>Whether the certificate names <paramref name="id"/>: subjectAltName dNSName/rfc822Name/iPAddress, or the subject DN.</summary>
    public static bool NamesIdentity(X509Certificate2 cert, IkeIdentity id)
    {
        if (id.IsAny)
            return false;
        if (id.Type == IkeIdType.DerAsn1Dn)
            return cert.SubjectName.RawData.AsSpan().SequenceEqual(id.Data);
        (int tag, bool ignoreCase)? wanted = id.Type switch
        {
            IkeIdType.Fqdn => (2, true),
            IkeIdType.Rfc822Addr => (1, true),
            IkeIdType.Ipv4Addr or IkeIdType.Ipv6Addr => (7, false),
            _ => null,
        };
        if (wanted is not { } w)
            return false;
        foreach ((int tag, byte[] value) in SubjectAltNames(cert))
        {
            if (tag != w.tag)
                continue;
            if (w.ignoreCase ? Encoding.ASCII.GetString(value).Equals(Encoding.ASCII.GetString(id.Data), StringComparison.OrdinalIgnoreCase)
                             : value.AsSpan().SequenceEqual(id.Data))
                return true;
        }
        return false;
    }

    /// <summary>The first dNSName of the subjectAltName, the default identity of a certificate (null: none).</summary>
    public static string? FirstDnsName(X509Certificate2 cert) =>
        SubjectAltNames(cert).Where(n => n.Tag == 2).Select(n => Encoding.ASCII.GetString(n.Value)).FirstOrDefault();

    /// <summary>GeneralNames (RFC 5280 §4.2.1.6) as (context tag, value octets); a malformed extension names nothing.</summary>
    private static List<(int Tag, byte[] Value)> SubjectAltNames(X509Certificate2 cert)
    {
        var names = new List<(int, byte[])>();
        X509Extension? san = cert.Extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (san is null)
            return names;
        try
        {
            AsnReader seq = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
            while (seq.HasData)
            {
                Asn1Tag tag = seq.PeekTag();
                if (tag.TagClass == TagClass.ContextSpecific && !tag.IsConstructed && tag.TagValue is 1 or 2 or 7)
                    names.Add((tag.TagValue, seq.ReadOctetString(tag)));
                else
                    seq.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            names.Clear();
        }
        return names;
    }

    private static void DisposeAll(List<X509Certificate2> certs)
    {
        foreach (X509Certificate2 c in certs) c.Dispose();
    }
}

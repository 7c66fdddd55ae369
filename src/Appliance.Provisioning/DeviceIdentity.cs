using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Provisioning;

/// <summary>
/// The device key, its certificate signing request and the checks on certificates handed to the box.
/// Only ECDSA P-256 is implemented: .NET has no Ed25519 and NSec is not referenced by this project,
/// so KEYGEN ed25519 is refused with 501 rather than hand-rolling curve arithmetic.
/// </summary>
public static class DeviceIdentity
{
    public const string EcdsaP256 = "ecdsa-p256";
    public const string Ed25519 = "ed25519";

    /// <summary>A fresh P-256 key as PKCS#8 PEM.</summary>
    public static string GenerateEcdsaP256()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Names the key's algorithm, or null if the PEM holds no usable key.</summary>
    public static string? DescribeKey(string keyPem)
    {
        try
        {
            using ECDsa key = ECDsa.Create();
            key.ImportFromPem(keyPem);
            return key.KeySize == 256 ? EcdsaP256 : $"ecdsa-{key.KeySize}";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo, lower-case hex: identifies the key without revealing it.</summary>
    public static string PublicKeyFingerprint(string keyPem)
    {
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>A PKCS#10 request for <paramref name="subject"/>, signed with the device key (ECDSA with SHA-256).</summary>
    public static string CreateSigningRequest(string keyPem, X500DistinguishedName subject)
    {
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequestPem();
    }

    /// <summary>Parses a distinguished name such as "CN=branch1.example.com, O=Example"; null if malformed.</summary>
    public static X500DistinguishedName? ParseSubject(string subject)
    {
        try
        {
            var name = new X500DistinguishedName(subject);
            return name.RawData.Length > 2 ? name : null; // an empty SEQUENCE names nothing
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Loads one DER certificate; null if it does not parse.</summary>
    public static X509Certificate2? LoadCertificate(ReadOnlySpan<byte> der)
    {
        try { return X509CertificateLoader.LoadCertificate(der); }
        catch (CryptographicException) { return null; }
    }

    public static X509Certificate2? LoadCertificatePem(string pem)
    {
        try { return X509Certificate2.CreateFromPem(pem); }
        catch (Exception e) when (e is CryptographicException or ArgumentException) { return null; }
    }

    /// <summary>True if the certificate carries the device key's public half.</summary>
    public static bool MatchesKey(X509Certificate2 certificate, string keyPem)
    {
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        using ECDsa? certificateKey = certificate.GetECDsaPublicKey();
        return certificateKey is not null &&
            certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// Null if <paramref name="certificate"/> chains to <paramref name="ca"/> as the only trust anchor,
    /// else the reason. Validity periods are not judged: a board without a real-time clock may boot at 1970.
    /// </summary>
    public static string? CheckChain(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
            return "does not chain to the CA certificate (" + string.Join(", ", reasons) + ")";
        }
        X509Certificate2 anchor = chain.ChainElements[^1].Certificate;
        return anchor.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span) ? null : "does not chain to the CA certificate";
    }

    /// <summary>Subject and expiry for INFO.</summary>
    public static string Summarize(X509Certificate2 certificate) =>
        $"subject={certificate.Subject}; expires={certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}";

    public static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(e => e.CertificateAuthority);
}

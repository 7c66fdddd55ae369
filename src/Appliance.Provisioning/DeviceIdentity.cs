using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Provisioning;

/// <summary>
/// The device key, its certificate signing request and the checks on certificates handed to the box.
/// Keys are PKCS#8 PEM: ECDSA P-256 through .NET, Ed25519 (RFC 8410) through OpenSSL's libcrypto
/// (see <see cref="Ed25519OpenSsl"/>), with a hand-built PKCS#10 since .NET cannot sign with Ed25519.
/// </summary>
public static class DeviceIdentity
{
    public const string EcdsaP256 = "ecdsa-p256";
    public const string Ed25519 = "ed25519";

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>A fresh P-256 key as PKCS#8 PEM.</summary>
    public static string GenerateEcdsaP256()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>A fresh Ed25519 key (random 32-byte seed) as PKCS#8 PEM.</summary>
    public static string GenerateEd25519()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(Ed25519OpenSsl.SeedLength);
        try
        {
            _ = Ed25519OpenSsl.PublicKeyFromSeed(seed); // fails loudly now rather than at CSR time
            return Ed25519Key.ToPkcs8Pem(seed);
        }
        finally { CryptographicOperations.ZeroMemory(seed); }
    }

    public static bool IsEd25519Supported => Ed25519OpenSsl.IsSupported;

    /// <summary>Names the key's algorithm, or null if the PEM holds no usable key.</summary>
    public static string? DescribeKey(string keyPem)
    {
        try
        {
            if (IsEd25519(keyPem))
            {
                WithEd25519Seed(keyPem, seed => 0);
                return Ed25519;
            }
            using ECDsa key = ImportEcdsa(keyPem);
            return key.KeySize == 256 ? EcdsaP256 : $"ecdsa-{key.KeySize}";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The DER SubjectPublicKeyInfo of the key's public half.</summary>
    public static byte[] SubjectPublicKeyInfo(string keyPem)
    {
        if (IsEd25519(keyPem))
            return WithEd25519Seed(keyPem, seed => Ed25519Key.SubjectPublicKeyInfo(Ed25519OpenSsl.PublicKeyFromSeed(seed)));
        using ECDsa key = ImportEcdsa(keyPem);
        return key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo, lower-case hex: identifies the key without revealing it.</summary>
    public static string PublicKeyFingerprint(string keyPem) =>
        Convert.ToHexStringLower(SHA256.HashData(SubjectPublicKeyInfo(keyPem)));

    /// <summary>A PKCS#10 request for <paramref name="subject"/>, signed with the device key (ECDSA with SHA-256, or Ed25519).</summary>
    public static string CreateSigningRequest(string keyPem, X500DistinguishedName subject)
    {
        if (IsEd25519(keyPem)) return WithEd25519Seed(keyPem, seed => Pkcs10Ed25519.Create(seed, subject));
        using ECDsa key = ImportEcdsa(keyPem);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequestPem();
    }

    private static ECDsa ImportEcdsa(string keyPem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(keyPem);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>True if the PEM's PKCS#8 AlgorithmIdentifier is id-Ed25519.</summary>
    private static bool IsEd25519(string keyPem)
    {
        byte[] der = Pkcs8Der(keyPem);
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            info.ReadIntegerBytes(); // the version, skipped without converting it to a BigInteger
            string oid = info.ReadSequence().ReadObjectIdentifier();
            if (oid is not (Ed25519Key.Oid or EcPublicKeyOid)) throw new CryptographicException("unsupported key algorithm " + oid);
            return oid == Ed25519Key.Oid;
        }
        catch (AsnContentException e)
        {
            throw new CryptographicException("malformed PKCS#8 key", e);
        }
        finally { CryptographicOperations.ZeroMemory(der); }
    }

    private static T WithEd25519Seed<T>(string keyPem, Func<byte[], T> use)
    {
        byte[] der = Pkcs8Der(keyPem);
        byte[]? seed = null;
        try
        {
            seed = Ed25519Key.SeedFromPkcs8(der);
            return use(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
            if (seed is not null) CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static byte[] Pkcs8Der(string keyPem)
    {
        if (!PemEncoding.TryFind(keyPem, out PemFields fields) || !keyPem.AsSpan()[fields.Label].SequenceEqual("PRIVATE KEY"))
            throw new CryptographicException("not a PKCS#8 PRIVATE KEY PEM");
        return Convert.FromBase64String(keyPem[fields.Base64Data]);
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
    public static bool MatchesKey(X509Certificate2 certificate, string keyPem) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(SubjectPublicKeyInfo(keyPem));

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

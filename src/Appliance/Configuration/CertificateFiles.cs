using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Common;
using Appliance.Ike;

namespace Appliance.Configuration;

/// <summary>
/// The files of a tunnel with Auth cert: per-tunnel Certificate, PrivateKey and CaCertificates, or by default the
/// identity provisioned into the state directory (identity/device.crt, device.key, ca.crt). Every problem names the
/// configuration key and the path, never the file's contents: a private key must not reach a log or the console.
/// </summary>
public static class CertificateFiles
{
    /// <summary>Loads the credential; on failure returns null and adds one message per problem to <paramref name="errors"/>.</summary>
    public static IkeCertificateCredential? Load(string key, TunnelOptions t, string stateDirectory, List<string> errors)
    {
        var layout = new StateLayout(stateDirectory);
        int before = errors.Count;
        X509Certificate2? certificate = ReadCertificates($"{key}:Certificate", t.Certificate ?? layout.DeviceCertificate,
            t.Certificate is null ? "the provisioned device certificate" : null, errors)?.FirstOrDefault();
        object? privateKey = ReadKey($"{key}:PrivateKey", t.PrivateKey ?? layout.DeviceKey,
            t.PrivateKey is null ? "the provisioned device key" : null, errors);
        var anchors = new List<X509Certificate2>();
        if (t.CaCertificates.Count == 0)
        {
            anchors.AddRange(ReadCertificates($"{key}:CaCertificates", layout.CaCertificate, "the provisioned CA certificate", errors) ?? []);
        }
        else
        {
            for (int i = 0; i < t.CaCertificates.Count; i++)
                anchors.AddRange(ReadCertificates($"{key}:CaCertificates:{i}", t.CaCertificates[i], null, errors) ?? []);
        }
        if (errors.Count > before || certificate is null || privateKey is null)
        {
            (privateKey as IDisposable)?.Dispose();
            return null;
        }
        try
        {
            return privateKey is Ed25519Signer ed25519
                ? new IkeCertificateCredential(certificate, ed25519, anchors)
                : new IkeCertificateCredential(certificate, (AsymmetricAlgorithm)privateKey, anchors);
        }
        catch (ArgumentException e)
        {
            ((IDisposable)privateKey).Dispose();
            errors.Add($"{key}:PrivateKey: {e.Message.Split(" (Parameter", 2)[0]}");
            return null;
        }
    }

    /// <summary>The identity a certificate tunnel uses when LocalId is not set: the certificate's first dNSName.</summary>
    public static string? DefaultLocalId(IkeCertificateCredential credential) =>
        credential.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault()?.EnumerateDnsNames().FirstOrDefault();

    private static List<X509Certificate2>? ReadCertificates(string key, string path, string? what, List<string> errors)
    {
        string? pem = ReadFile(key, path, what, errors);
        if (pem is null)
            return null;
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            if (collection.Count == 0)
            {
                errors.Add($"{key}: '{path}' holds no PEM certificate");
                return null;
            }
            return collection.ToList();
        }
        catch (CryptographicException)
        {
            errors.Add($"{key}: '{path}' is not a PEM X.509 certificate");
            return null;
        }
    }

    /// <summary>An <see cref="ECDsa"/>, <see cref="RSA"/> or <see cref="Ed25519Signer"/>; null after adding the error.</summary>
    private static object? ReadKey(string key, string path, string? what, List<string> errors)
    {
        string? pem = ReadFile(key, path, what, errors);
        if (pem is null)
            return null;
        // Which kind of key it is shows in the PEM label or the PKCS#8 algorithm; try each and report none's details.
        if (TryImport(ECDsa.Create(), pem) is { } ecdsa)
            return ecdsa;
        if (TryImport(RSA.Create(), pem) is { } rsa)
            return rsa;
        if (Ed25519Seed(pem) is { } seed)
        {
            try { return new Ed25519Signer(seed); }
            finally { CryptographicOperations.ZeroMemory(seed); }
        }
        errors.Add($"{key}: '{path}' is not an unencrypted PEM private key of ECDSA, RSA or Ed25519 (PKCS#8)");
        return null;
    }

    /// <summary>The key with the PEM imported, or null (and the key disposed) when the PEM is not of its kind.</summary>
    private static T? TryImport<T>(T key, string pem) where T : AsymmetricAlgorithm
    {
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The 32-byte seed of an Ed25519 PKCS#8 key (RFC 8410 §7: PrivateKeyInfo with id-Ed25519 and the seed in an OCTET
    /// STRING inside the privateKey OCTET STRING), as factory provisioning writes it; null for anything else.
    /// </summary>
    private static byte[]? Ed25519Seed(string pem)
    {
        if (!PemEncoding.TryFind(pem, out PemFields fields) || pem[fields.Label] is not "PRIVATE KEY")
            return null;
        byte[] der = new byte[fields.DecodedDataLength];
        try
        {
            if (!Convert.TryFromBase64Chars(pem[fields.Base64Data], der, out int written))
                return null;
            var info = new AsnReader(der.AsMemory(0, written), AsnEncodingRules.DER).ReadSequence();
            info.ReadInteger();
            AsnReader algorithm = info.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != Ed25519Signer.Oid)
                return null;
            byte[] seed = new AsnReader(info.ReadOctetString(), AsnEncodingRules.DER).ReadOctetString();
            return seed.Length == 32 ? seed : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static string? ReadFile(string key, string path, string? what, List<string> errors)
    {
        string about = what is null ? "" : $" ({what}; set {key.Split(':')[^1]} or provision the box)";
        if (!Path.IsPathRooted(path))
        {
            errors.Add($"{key}: '{path}' must be an absolute path");
            return null;
        }
        if (!File.Exists(path))
        {
            errors.Add($"{key}: '{path}' does not exist{about}");
            return null;
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{key}: '{path}' cannot be read ({e.GetType().Name}){about}");
            return null;
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Ike;

/// <summary>
/// What a tunnel needs to authenticate with certificates (RFC 7296 §2.15, RFC 7427): our X.509 certificate, the
/// matching private key (ECDSA or RSA) that signs AUTH, and the trust anchors (CA certificates) the peer's certificate
/// must chain to. The private key never leaves this object; <see cref="ToString"/> names the certificate only.
/// </summary>
public sealed class IkeCertificateCredential
{
    public IkeCertificateCredential(X509Certificate2 certificate, AsymmetricAlgorithm privateKey,
        IReadOnlyList<X509Certificate2> trustAnchors, IReadOnlyList<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (privateKey is not (ECDsa or RSA))
            throw new ArgumentException("the private key must be ECDSA or RSA", nameof(privateKey));
        if (trustAnchors.Count == 0)
            throw new ArgumentException("at least one trust anchor (CA certificate) is required", nameof(trustAnchors));
        // A key that does not belong to the certificate would only show up as the peer's AUTHENTICATION_FAILED.
        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(privateKey.ExportSubjectPublicKeyInfo()))
            throw new ArgumentException($"the private key does not belong to the certificate '{certificate.Subject}'", nameof(privateKey));
        Certificate = certificate;
        PrivateKey = privateKey;
        TrustAnchors = trustAnchors;
        Intermediates = intermediates ?? [];
    }

    /// <summary>A credential whose key is Ed25519 (RFC 8420: AUTH method 14 with id-Ed25519).</summary>
    public IkeCertificateCredential(X509Certificate2 certificate, Ed25519Signer privateKey,
        IReadOnlyList<X509Certificate2> trustAnchors, IReadOnlyList<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (trustAnchors.Count == 0)
            throw new ArgumentException("at least one trust anchor (CA certificate) is required", nameof(trustAnchors));
        if (certificate.PublicKey.Oid.Value != Ed25519Signer.Oid || !certificate.PublicKey.EncodedKeyValue.RawData.AsSpan().SequenceEqual(privateKey.PublicKey))
            throw new ArgumentException($"the private key does not belong to the certificate '{certificate.Subject}'", nameof(privateKey));
        Certificate = certificate;
        Ed25519 = privateKey;
        TrustAnchors = trustAnchors;
        Intermediates = intermediates ?? [];
    }

    /// <summary>Our end-entity certificate, sent in the first CERT payload.</summary>
    public X509Certificate2 Certificate { get; }
    /// <summary>Signs our AUTH payload: <see cref="ECDsa"/> or <see cref="RSA"/>; null when <see cref="Ed25519"/> does.</summary>
    public AsymmetricAlgorithm? PrivateKey { get; }
    /// <summary>Signs our AUTH payload when the key is Ed25519 (RFC 8420).</summary>
    public Ed25519Signer? Ed25519 { get; }
    /// <summary>CA certificates the peer's certificate must chain to; their key hashes go into CERTREQ.</summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors { get; }
    /// <summary>Intermediate CA certificates sent after ours, for a peer that only knows the root.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    public override string ToString() => $"certificate '{Certificate.Subject}' (key hidden)";
}

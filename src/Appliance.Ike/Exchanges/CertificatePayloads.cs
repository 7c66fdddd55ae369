using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>CERT and CERTREQ payloads for X.509 (RFC 7296 §3.6, §3.7).</summary>
internal static class CertificatePayloads
{
    /// <summary>Certificate Encoding 4: "X.509 Certificate - Signature", the DER certificate.</summary>
    public const byte X509Signature = 4;

    public static CertificatePayload Cert(X509Certificate2 certificate) => new(false, X509Signature, certificate.RawData);

    /// <summary>
    /// CERTREQ names the trust anchors we accept: the concatenated SHA-1 hashes of their SubjectPublicKeyInfo
    /// (§3.7), so a peer with several certificates knows which one to send.
    /// </summary>
    public static CertificatePayload Request(IEnumerable<X509Certificate2> anchors)
    {
        var hashes = new List<byte>();
        foreach (X509Certificate2 anchor in anchors)
        {
            byte[] hash = SHA1.HashData(anchor.PublicKey.ExportSubjectPublicKeyInfo());
            if (!ContainsHash(hashes, hash))
                hashes.AddRange(hash);
        }
        return new CertificatePayload(true, X509Signature, hashes.ToArray());
    }

    private static bool ContainsHash(List<byte> hashes, byte[] hash)
    {
        for (int i = 0; i + 20 <= hashes.Count; i += 20)
            if (hashes.Skip(i).Take(20).SequenceEqual(hash))
                return true;
        return false;
    }
}

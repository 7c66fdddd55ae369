using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Provisioning;

/// <summary>
/// A PKCS#10 certification request (RFC 2986 §4) signed with Ed25519 (RFC 8410 §6: the signature
/// algorithm is id-Ed25519 with absent parameters, the signature is PureEd25519 over the DER of
/// CertificationRequestInfo). .NET's CertificateRequest cannot sign with Ed25519, so it is built here.
/// </summary>
internal static class Pkcs10Ed25519
{
    public static string Create(ReadOnlySpan<byte> seed, X500DistinguishedName subject)
    {
        byte[] publicKey = Ed25519OpenSsl.PublicKeyFromSeed(seed);
        var info = new AsnWriter(AsnEncodingRules.DER);
        using (info.PushSequence())
        {
            info.WriteInteger(0);                      // version v1(0)
            info.WriteEncodedValue(subject.RawData);   // subject Name
            info.WriteEncodedValue(Ed25519Key.SubjectPublicKeyInfo(publicKey));
            info.WriteEncodedValue([0xA0, 0x00]);      // attributes [0] IMPLICIT SET OF Attribute: empty
        }
        byte[] toBeSigned = info.Encode();
        byte[] signature = Ed25519OpenSsl.Sign(seed, toBeSigned);

        var request = new AsnWriter(AsnEncodingRules.DER);
        using (request.PushSequence())
        {
            request.WriteEncodedValue(toBeSigned);
            Ed25519Key.WriteAlgorithm(request);
            request.WriteBitString(signature);
        }
        return PemEncoding.WriteString("CERTIFICATE REQUEST", request.Encode()) + "\n";
    }
}

using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// The ASN.1 AlgorithmIdentifiers (RFC 5280 §4.1.1.2) an RFC 7427 AUTH payload names its signature with: ECDSA with
/// SHA-2 (RFC 5758), RSA PKCS#1 v1.5 with SHA-2 (RFC 4055 §5), RSASSA-PSS (RFC 4055 §3.1) and Ed25519 (RFC 8410).
/// </summary>
internal static class AlgorithmIdentifiers
{
    public const string OidEcdsaSha256 = "1.2.840.10045.4.3.2", OidEcdsaSha384 = "1.2.840.10045.4.3.3", OidEcdsaSha512 = "1.2.840.10045.4.3.4";
    public const string OidRsaSha256 = "1.2.840.113549.1.1.11", OidRsaSha384 = "1.2.840.113549.1.1.12", OidRsaSha512 = "1.2.840.113549.1.1.13";
    public const string OidRsaPss = "1.2.840.113549.1.1.10", OidMgf1 = "1.2.840.113549.1.1.8";
    public const string OidEd25519 = Ed25519Signer.Oid;
    public const string OidSha256 = "2.16.840.1.101.3.4.2.1", OidSha384 = "2.16.840.1.101.3.4.2.2", OidSha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>DER SEQUENCE { algorithm, [NULL] }.</summary>
    public static byte[] AlgorithmIdentifier(string oid, bool nullParameters)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
            if (nullParameters) w.WriteNull(); // RFC 4055 §5: the RSA PKCS#1 identifiers carry NULL parameters
        }
        return w.Encode();
    }

    /// <summary>The OID and encoded parameters; malformed DER yields an OID that matches nothing.</summary>
    public static (string Oid, ReadOnlyMemory<byte>? Parameters) ReadAlgorithmIdentifier(ReadOnlyMemory<byte> der)
    {
        try
        {
            var seq = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            string oid = seq.ReadObjectIdentifier();
            ReadOnlyMemory<byte>? parameters = seq.HasData ? seq.ReadEncodedValue() : null;
            return (oid, parameters);
        }
        catch (AsnContentException)
        {
            return ("(malformed AlgorithmIdentifier)", null);
        }
    }

    /// <summary>RSASSA-PSS-params (RFC 4055 §3.1) that .NET's PSS (salt = hash length, MGF1 with the same hash) verifies.</summary>
    public static HashAlgorithmName? PssHash(ReadOnlyMemory<byte> parameters)
    {
        try
        {
            var seq = new AsnReader(parameters, AsnEncodingRules.DER).ReadSequence();
            // Defaults (SHA-1, 20-byte salt) are not accepted: all three fields must be present.
            string hashOid = ReadAlgorithmIdentifier(seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadEncodedValue()).Oid;
            var mgf = seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadSequence();
            if (mgf.ReadObjectIdentifier() != OidMgf1 || ReadAlgorithmIdentifier(mgf.ReadEncodedValue()).Oid != hashOid)
                return null;
            int salt = (int)seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2)).ReadInteger();
            (HashAlgorithmName name, int length)? hash = hashOid switch
            {
                OidSha256 => (HashAlgorithmName.SHA256, 32),
                OidSha384 => (HashAlgorithmName.SHA384, 48),
                OidSha512 => (HashAlgorithmName.SHA512, 64),
                _ => null,
            };
            return hash is { } h && h.length == salt ? h.name : null;
        }
        catch (Exception e) when (e is AsnContentException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }
}

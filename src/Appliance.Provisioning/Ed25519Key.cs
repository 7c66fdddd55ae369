using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Appliance.Provisioning;

/// <summary>
/// Ed25519 keys in the RFC 8410 encodings: PKCS#8 <c>OneAsymmetricKey</c> whose privateKey is the
/// 32-byte seed wrapped in an OCTET STRING (§7), and SubjectPublicKeyInfo with the raw public key (§4).
/// The algorithm identifier id-Ed25519 (1.3.101.112) has absent parameters (§3).
/// </summary>
internal static class Ed25519Key
{
    public const string Oid = "1.3.101.112";

    public static string ToPkcs8Pem(ReadOnlySpan<byte> seed)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            WriteAlgorithm(writer);
            var inner = new AsnWriter(AsnEncodingRules.DER);
            inner.WriteOctetString(seed); // CurvePrivateKey ::= OCTET STRING
            writer.WriteOctetString(inner.Encode());
        }
        byte[] der = writer.Encode();
        try { return PemEncoding.WriteString("PRIVATE KEY", der); }
        finally { CryptographicOperations.ZeroMemory(der); }
    }

    /// <summary>The seed from PKCS#8 DER whose algorithm is id-Ed25519; the caller zeroes it after use.</summary>
    /// <exception cref="AsnContentException">Not such a structure.</exception>
    public static byte[] SeedFromPkcs8(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader info = reader.ReadSequence();
        info.ReadIntegerBytes(); // the version, skipped without converting it to a BigInteger
        AsnReader algorithm = info.ReadSequence();
        if (algorithm.ReadObjectIdentifier() != Oid) throw new AsnContentException("not an Ed25519 key");
        byte[] wrapped = info.ReadOctetString();
        try
        {
            byte[] seed = AsnDecoder.ReadOctetString(wrapped, AsnEncodingRules.DER, out int consumed);
            if (consumed != wrapped.Length || seed.Length != Ed25519OpenSsl.SeedLength)
                throw new AsnContentException("Ed25519 seed must be 32 bytes");
            return seed;
        }
        finally { CryptographicOperations.ZeroMemory(wrapped); }
    }

    public static byte[] SubjectPublicKeyInfo(ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteAlgorithm(writer);
            writer.WriteBitString(publicKey);
        }
        return writer.Encode();
    }

    public static void WriteAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence()) writer.WriteObjectIdentifier(Oid);
    }
}

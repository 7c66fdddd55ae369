using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// AUTH by digital signature over the signed octets (RFC 7296 §2.15). With a peer that announced
/// SIGNATURE_HASH_ALGORITHMS we use method 14 (RFC 7427 §3): Authentication Data = length of the ASN.1
/// AlgorithmIdentifier (1 octet) | AlgorithmIdentifier | signature. Otherwise the key decides: ECDSA methods 9/10/11
/// (RFC 4754, r||s of fixed size, hash tied to the curve) or method 1 (RSA PKCS#1 v1.5 with SHA-1, RFC 7296 §3.8).
/// </summary>
internal static class SignatureAuthentication
{
    private const AuthMethod EcdsaSha256P256 = AuthMethod.EcdsaSha256P256;
    private const AuthMethod EcdsaSha384P384 = AuthMethod.EcdsaSha384P384;
    private const AuthMethod EcdsaSha512P521 = AuthMethod.EcdsaSha512P521;

    private const string OidEcdsaSha256 = "1.2.840.10045.4.3.2", OidEcdsaSha384 = "1.2.840.10045.4.3.3", OidEcdsaSha512 = "1.2.840.10045.4.3.4";
    private const string OidRsaSha256 = "1.2.840.113549.1.1.11", OidRsaSha384 = "1.2.840.113549.1.1.12", OidRsaSha512 = "1.2.840.113549.1.1.13";
    private const string OidRsaPss = "1.2.840.113549.1.1.10", OidMgf1 = "1.2.840.113549.1.1.8";
    private const string OidSha256 = "2.16.840.1.101.3.4.2.1", OidSha384 = "2.16.840.1.101.3.4.2.2", OidSha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>Our AUTH payload: signs <paramref name="octets"/> with the credential's key.</summary>
    public static AuthPayload Sign(IkeCertificateCredential credential, IReadOnlyList<SignatureHash> peerHashes, byte[] octets)
    {
        bool rfc7427 = peerHashes.Count > 0;
        switch (credential.PrivateKey)
        {
            case ECDsa ecdsa:
            {
                int bits = ecdsa.KeySize;
                if (!rfc7427)
                {
                    // RFC 4754 fixes the hash by the curve and carries r||s, each the size of the field.
                    (AuthMethod method, HashAlgorithmName hash) = bits switch
                    {
                        256 => (EcdsaSha256P256, HashAlgorithmName.SHA256),
                        384 => (EcdsaSha384P384, HashAlgorithmName.SHA384),
                        521 => (EcdsaSha512P521, HashAlgorithmName.SHA512),
                        _ => throw new CryptographicException($"ECDSA key of {bits} bits has no RFC 4754 auth method"),
                    };
                    return new AuthPayload(method, ecdsa.SignData(octets, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
                }
                SignatureHash preferred = bits switch { <= 256 => SignatureHash.Sha2_256, <= 384 => SignatureHash.Sha2_384, _ => SignatureHash.Sha2_512 };
                SignatureHash chosen = Choose(preferred, peerHashes);
                // RFC 7427 §3 / Appendix A: ECDSA signatures are the DER Ecdsa-Sig-Value.
                byte[] sig = ecdsa.SignData(octets, HashName(chosen), DSASignatureFormat.Rfc3279DerSequence);
                return Rfc7427(AlgorithmIdentifier(chosen switch
                {
                    SignatureHash.Sha2_384 => OidEcdsaSha384, SignatureHash.Sha2_512 => OidEcdsaSha512, _ => OidEcdsaSha256,
                }, nullParameters: false), sig);
            }
            case RSA rsa:
            {
                if (!rfc7427)
                    return new AuthPayload(AuthMethod.RsaDigitalSignature, rsa.SignData(octets, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
                SignatureHash chosen = Choose(SignatureHash.Sha2_256, peerHashes);
                byte[] sig = rsa.SignData(octets, HashName(chosen), RSASignaturePadding.Pkcs1);
                return Rfc7427(AlgorithmIdentifier(chosen switch
                {
                    SignatureHash.Sha2_384 => OidRsaSha384, SignatureHash.Sha2_512 => OidRsaSha512, _ => OidRsaSha256,
                }, nullParameters: true), sig);
            }
            default:
                throw new CryptographicException("unsupported private key type");
        }
    }

    /// <summary>Checks the peer's AUTH against its certificate's public key; returns why it fails, or null.</summary>
    public static string? Verify(X509Certificate2 peer, AuthPayload auth, byte[] octets)
    {
        using ECDsa? ecdsa = peer.GetECDsaPublicKey();
        using RSA? rsa = ecdsa is null ? peer.GetRSAPublicKey() : null;
        if (ecdsa is null && rsa is null)
            return "the peer's certificate holds neither an ECDSA nor an RSA key";
        try
        {
            switch (auth.Method)
            {
                case EcdsaSha256P256 or EcdsaSha384P384 or EcdsaSha512P521:
                {
                    (int bits, HashAlgorithmName hash) = auth.Method == EcdsaSha256P256 ? (256, HashAlgorithmName.SHA256)
                        : auth.Method == EcdsaSha384P384 ? (384, HashAlgorithmName.SHA384) : (521, HashAlgorithmName.SHA512);
                    if (ecdsa is null || ecdsa.KeySize != bits)
                        return $"auth method {(int)auth.Method} does not fit the key of the peer's certificate";
                    int fieldBytes = (bits + 7) / 8;
                    if (auth.Data.Length != 2 * fieldBytes)
                        return $"ECDSA signature of {auth.Data.Length} bytes, expected {2 * fieldBytes}";
                    return ecdsa.VerifyData(octets, auth.Data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) ? null : BadSignature;
                }
                case AuthMethod.RsaDigitalSignature:
                    if (rsa is null)
                        return "auth method 1 (RSA) but the peer's certificate holds no RSA key";
                    return rsa.VerifyData(octets, auth.Data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1) ? null : BadSignature;
                case AuthMethod.DigitalSignature:
                    return VerifyRfc7427(ecdsa, rsa, auth.Data, octets);
                default:
                    return $"auth method {(int)auth.Method} is not a digital signature";
            }
        }
        catch (CryptographicException)
        {
            return BadSignature;
        }
    }

    private const string BadSignature = "the AUTH signature does not verify with the peer's certificate";

    private static string? VerifyRfc7427(ECDsa? ecdsa, RSA? rsa, byte[] data, byte[] octets)
    {
        // Bounds first: the length octet must leave room for a signature.
        if (data.Length < 2 || data[0] == 0 || 1 + data[0] >= data.Length)
            return "malformed RFC 7427 signature (AlgorithmIdentifier length)";
        ReadOnlyMemory<byte> algorithm = data.AsMemory(1, data[0]);
        byte[] signature = data[(1 + data[0])..];
        (string oid, ReadOnlyMemory<byte>? parameters) = ReadAlgorithmIdentifier(algorithm);
        switch (oid)
        {
            case OidEcdsaSha256 or OidEcdsaSha384 or OidEcdsaSha512:
                if (ecdsa is null)
                    return "ECDSA signature but the peer's certificate holds no ECDSA key";
                HashAlgorithmName eh = oid == OidEcdsaSha256 ? HashAlgorithmName.SHA256 : oid == OidEcdsaSha384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
                return ecdsa.VerifyData(octets, signature, eh, DSASignatureFormat.Rfc3279DerSequence) ? null : BadSignature;
            case OidRsaSha256 or OidRsaSha384 or OidRsaSha512:
                if (rsa is null)
                    return "RSA signature but the peer's certificate holds no RSA key";
                HashAlgorithmName rh = oid == OidRsaSha256 ? HashAlgorithmName.SHA256 : oid == OidRsaSha384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
                return rsa.VerifyData(octets, signature, rh, RSASignaturePadding.Pkcs1) ? null : BadSignature;
            case OidRsaPss:
                if (rsa is null)
                    return "RSASSA-PSS signature but the peer's certificate holds no RSA key";
                HashAlgorithmName? ph = parameters is { } p ? PssHash(p) : null;
                if (ph is null)
                    return "RSASSA-PSS parameters other than SHA-2 with MGF1 of the same hash and salt of the hash length";
                return rsa.VerifyData(octets, signature, ph.Value, RSASignaturePadding.Pss) ? null : BadSignature;
            default:
                return $"signature algorithm {oid} is not supported";
        }
    }

    private static (string Oid, ReadOnlyMemory<byte>? Parameters) ReadAlgorithmIdentifier(ReadOnlyMemory<byte> der)
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
    private static HashAlgorithmName? PssHash(ReadOnlyMemory<byte> parameters)
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

    private static SignatureHash Choose(SignatureHash preferred, IReadOnlyList<SignatureHash> peer) =>
        peer.Contains(preferred) ? preferred
        : SignatureHashAlgorithms.Supported.FirstOrDefault(peer.Contains) is var h && h != 0 ? h
        : preferred;

    private static HashAlgorithmName HashName(SignatureHash h) => h switch
    {
        SignatureHash.Sha2_384 => HashAlgorithmName.SHA384,
        SignatureHash.Sha2_512 => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    private static byte[] AlgorithmIdentifier(string oid, bool nullParameters)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
            if (nullParameters) w.WriteNull(); // RFC 4055 §5: the RSA PKCS#1 identifiers carry NULL parameters
        }
        return w.Encode();
    }

    private static AuthPayload Rfc7427(byte[] algorithmIdentifier, byte[] signature)
    {
        var data = new byte[1 + algorithmIdentifier.Length + signature.Length];
        data[0] = (byte)algorithmIdentifier.Length;
        algorithmIdentifier.CopyTo(data, 1);
        signature.CopyTo(data, 1 + algorithmIdentifier.Length);
        return new AuthPayload(AuthMethod.DigitalSignature, data);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Messages;
using static Appliance.Ike.Exchanges.AlgorithmIdentifiers;

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

    /// <summary>Our AUTH payload: signs <paramref name="octets"/> with the credential's key.</summary>
    public static AuthPayload Sign(IkeCertificateCredential credential, IReadOnlyList<SignatureHash> peerHashes, byte[] octets)
    {
        bool rfc7427 = peerHashes.Count > 0;
        // RFC 8420 §2: Ed25519 only exists as method 14, signing the octets themselves (hash "Identity").
        if (credential.Ed25519 is { } ed25519)
            return Rfc7427(AlgorithmIdentifier(OidEd25519, nullParameters: false), ed25519.Sign(octets));
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
        if (peer.PublicKey.Oid.Value == OidEd25519)
            return VerifyEd25519(peer.PublicKey.EncodedKeyValue.RawData, auth, octets);
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

    private static string? VerifyEd25519(byte[] publicKey, AuthPayload auth, byte[] octets)
    {
        if (auth.Method != AuthMethod.DigitalSignature)
            return $"auth method {(int)auth.Method} cannot carry the Ed25519 signature of the peer's certificate key";
        byte[] data = auth.Data;
        if (data.Length < 2 || data[0] == 0 || 1 + data[0] >= data.Length)
            return "malformed RFC 7427 signature (AlgorithmIdentifier length)";
        string oid = ReadAlgorithmIdentifier(data.AsMemory(1, data[0])).Oid;
        if (oid != OidEd25519)
            return $"signature algorithm {oid} does not fit the Ed25519 key of the peer's certificate";
        return Ed25519Signer.Verify(publicKey, octets, data.AsSpan(1 + data[0])) ? null : BadSignature;
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
            case OidEd25519:
                return "Ed25519 signature but the peer's certificate holds no Ed25519 key";
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

    /// <summary>The key's natural hash if the peer announced it, else the first SHA-2 hash it announced, else the natural one.</summary>
    private static SignatureHash Choose(SignatureHash preferred, IReadOnlyList<SignatureHash> peer)
    {
        if (peer.Contains(preferred))
            return preferred;
        foreach (SignatureHash h in SignatureHashAlgorithms.Supported)
            if (h != SignatureHash.Identity && peer.Contains(h))
                return h;
        return preferred;
    }

    private static HashAlgorithmName HashName(SignatureHash h) => h switch
    {
        SignatureHash.Sha2_384 => HashAlgorithmName.SHA384,
        SignatureHash.Sha2_512 => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    private static AuthPayload Rfc7427(byte[] algorithmIdentifier, byte[] signature)
    {
        var data = new byte[1 + algorithmIdentifier.Length + signature.Length];
        data[0] = (byte)algorithmIdentifier.Length;
        algorithmIdentifier.CopyTo(data, 1);
        signature.CopyTo(data, 1 + algorithmIdentifier.Length);
        return new AuthPayload(AuthMethod.DigitalSignature, data);
    }
}

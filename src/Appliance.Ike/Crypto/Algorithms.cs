namespace Appliance.Ike.Crypto;

/// <summary>IKEv2 Transform Type 1 (Encryption Algorithm) IDs, IANA "IKEv2 Parameters".</summary>
public enum EncryptionAlgorithm : ushort
{
    /// <summary>No encryption transform: an AH suite (RFC 4302 is integrity only). Not an IANA id (0 is reserved).</summary>
    None = 0,
    AesCbc = 12,            // RFC 3602
    AesGcm16 = 20,          // RFC 4106 / RFC 5282
    ChaCha20Poly1305 = 28,  // RFC 7634
}

/// <summary>IKEv2 Transform Type 2 (Pseudorandom Function) IDs (RFC 4868 §3).</summary>
public enum PrfAlgorithm : ushort
{
    /// <summary>PRF_HMAC_SHA1 (RFC 2104): only in the opt-in weak profile for Windows' stock client.</summary>
    HmacSha1 = 2,
    HmacSha256 = 5,
    HmacSha384 = 6,
    HmacSha512 = 7,
}

/// <summary>IKEv2 Transform Type 3 (Integrity Algorithm) IDs (RFC 4868 §2).</summary>
public enum IntegrityAlgorithm : ushort
{
    None = 0,
    /// <summary>AUTH_HMAC_SHA1_96 (RFC 2404): only in the opt-in weak profile for Windows' stock client.</summary>
    HmacSha1_96 = 2,
    HmacSha256_128 = 12,
    HmacSha384_192 = 13,
    HmacSha512_256 = 14,
}

/// <summary>IKEv2 Transform Type 4 (Diffie-Hellman Group / Key Exchange Method) IDs.</summary>
public enum DhGroup : ushort
{
    None = 0,
    Modp1024 = 2,    // RFC 2409 §6.2: only in the opt-in weak profile for Windows' stock client
    Modp2048 = 14,   // RFC 3526 §3
    Ecp256 = 19,     // RFC 5903
    Ecp384 = 20,
    Ecp521 = 21,
    Curve25519 = 31, // RFC 8031
}

/// <summary>IKEv2 Transform Type 5 (Extended Sequence Numbers).</summary>
public enum EsnMode : ushort
{
    NoEsn = 0,
    Esn = 1,
}

/// <summary>Randomness for DH private values; injectable so key exchanges are reproducible in tests.</summary>
public interface IIkeRandomBytes
{
    void Fill(Span<byte> buffer);
}

/// <summary>The OS CSPRNG, used when no source is injected.</summary>
internal sealed class SystemRandomBytes : IIkeRandomBytes
{
    public static SystemRandomBytes Instance { get; } = new();
    public void Fill(Span<byte> buffer) => System.Security.Cryptography.RandomNumberGenerator.Fill(buffer);
}

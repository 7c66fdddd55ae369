using System.Security.Cryptography;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Splits KEYMAT = prf+(SK_d, Ni | Nr) (RFC 7296 §2.17): first the initiator-to-responder encryption
/// then integrity key, then the responder-to-initiator ones. AEAD keys end in their 4-byte salt. AH has no
/// encryption key, so its KEYMAT is the two integrity keys alone.
/// </summary>
internal static class ChildSaKeyMaterial
{
    public static (ChildSaKeys InitiatorToResponder, ChildSaKeys ResponderToInitiator) Derive(Prf prf, ReadOnlySpan<byte> skD,
        ReadOnlySpan<byte> sharedSecretOrEmpty, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, TransformSet suite)
    {
        int encr = SuiteSizes.EncryptionKeyBytes(suite.Encryption, suite.EncryptionKeyBits);
        int salt = SuiteSizes.SaltBytes(suite.Encryption);
        int integ = SuiteSizes.IntegrityKeyBytes(suite.Integrity);
        byte[] keymat = KeyDerivation.ChildKeyMaterial(prf, skD, sharedSecretOrEmpty, ni, nr, 2 * (encr + integ));
        try
        {
            ChildSaKeys Take(int offset) => new(
                keymat.AsSpan(offset, encr - salt).ToArray(),
                keymat.AsSpan(offset + encr - salt, salt).ToArray(),
                keymat.AsSpan(offset + encr, integ).ToArray());
            return (Take(0), Take(encr + integ));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keymat);
        }
    }
}

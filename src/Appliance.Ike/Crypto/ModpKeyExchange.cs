using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>
/// MODP group 14 (RFC 3526 §3, 2048-bit safe prime, generator 2), and group 2 (RFC 2409 §6.2, 1024 bits) for the opt-in
/// weak Windows profile only: Windows' stock IKEv2 client offers nothing stronger.
/// </summary>
internal sealed class ModpKeyExchange : KeyExchange
{
    private readonly int _modulusBytes;
    // RFC 3526 §8 sizes the exponent for this group at 220-320 bits (and NIST SP 800-56A Rev. 3 §5.6.1.1.4 at
    // ≥ 2 × 112 bits for a safe-prime group): 320 bits keeps the upper end without paying for a full-size exponent.
    internal const int ExponentBytes = 40;

    // RFC 2409 §6.2, the Second Oakley Group: 2^1024 - 2^960 - 1 + 2^64 * { [2^894 pi] + 129093 }.
    private static readonly byte[] Prime1024 = Convert.FromHexString(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381" +
        "FFFFFFFFFFFFFFFF");

    private static readonly byte[] Prime2048 = Convert.FromHexString(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
        "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
        "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
        "DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF");

    private readonly byte[] _prime;
    private readonly byte[] _primeMinusOne;

    private static readonly byte[] Generator = [2];

    // Kept as bytes (not a BigInteger) so Dispose can wipe it.
    private readonly byte[] _exponent = new byte[ExponentBytes];
    private readonly byte[] _public;

    public ModpKeyExchange(IIkeRandomBytes random) : this(DhGroup.Modp2048, random)
    {
    }

    public ModpKeyExchange(DhGroup group, IIkeRandomBytes random) : base(group)
    {
        _prime = group == DhGroup.Modp1024 ? Prime1024 : Prime2048;
        _modulusBytes = _prime.Length;
        // p - 1: both primes end in 0xFF, so only the last octet changes.
        _primeMinusOne = [.. _prime[..^1], (byte)(_prime[^1] - 1)];
        do
        {
            random.Fill(_exponent);
        }
        while (_exponent.AsSpan(0, ExponentBytes - 1).IndexOfAnyExcept((byte)0) < 0 && _exponent[^1] < 2);
        _public = ModPow(Generator, _exponent);
    }

    public override ReadOnlyMemory<byte> PublicValue => _public;

    public override int PublicValueLength => _modulusBytes;

    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        // RFC 7296 §3.4: the KE data is the full modulus length, left-padded with zeros.
        if (peerPublicValue.Length != _modulusBytes)
            return false;
        // 1 and p-1 generate subgroups of order 1 and 2 (RFC 6989 §2.1): reject them and out-of-range values.
        // Equal-length big-endian octet strings compare like the numbers they encode.
        bool atMostOne = peerPublicValue[..^1].IndexOfAnyExcept((byte)0) < 0 && peerPublicValue[^1] <= 1;
        if (atMostOne || peerPublicValue.SequenceCompareTo(_primeMinusOne) >= 0)
            return false;
        // RFC 7296 §2.14: g^ir is left-padded with zeros to the modulus length.
        sharedSecret = ModPow(peerPublicValue, _exponent);
        return true;
    }

    /// <summary>base^exponent mod p as modulus-length big-endian bytes, by libcrypto's constant-time path.</summary>
    private byte[] ModPow(ReadOnlySpan<byte> @base, byte[] exponent)
    {
        var result = new byte[_modulusBytes];
        // .NET's own cryptography needs the same libcrypto.so.3, so without it nothing here works anyway; a
        // BigInteger fallback would leak the exponent through timing and kept System.Runtime.Numerics in the binary.
        if (!OpenSslModExp.TryModPow(@base, exponent, _prime, result))
            throw new CryptographicException("MODP groups need libcrypto.so.3 (BN_mod_exp_mont_consttime), which is not usable");
        return result;
    }

    protected override void Dispose(bool disposing) => CryptographicOperations.ZeroMemory(_exponent);
}

using System.Security.Cryptography;

namespace Appliance.Linux.Sa;

/// <summary>
/// One direction's ESP cipher suite: how big the IV and ICV are, the block size the padding aligns
/// to, and the seal/open of "IV || ciphertext || ICV" given the ESP header as associated data.
/// Instances are not thread-safe; the data path gives each SA direction to one thread at a time.
/// </summary>
internal abstract class EspCipher : IDisposable
{
    public abstract int IvLength { get; }
    public abstract int IcvLength { get; }
    public abstract int BlockSize { get; }

    /// <summary>Encrypts <paramref name="payload"/> in place, writes the IV before it and the ICV after.</summary>
    /// <param name="header">SPI and sequence number (8 bytes), authenticated.</param>
    /// <param name="seqHigh">High 32 bits of an ESN sequence number, authenticated but not sent (RFC 4303 §2.2.1).</param>
    public abstract void Seal(ReadOnlySpan<byte> header, uint? seqHigh, ulong seq, Span<byte> iv, Span<byte> payload, Span<byte> icv);

    /// <summary>Checks the ICV and decrypts in place; false when authentication fails.</summary>
    public abstract bool Open(ReadOnlySpan<byte> header, uint? seqHigh, ReadOnlySpan<byte> iv, Span<byte> payload, ReadOnlySpan<byte> icv);

    public abstract void Dispose();

    /// <summary>The cipher for IANA encryption/integrity transform ids and the key material (salt last for AEAD).</summary>
    public static EspCipher Create(int encryptionId, int keyBits, int integrityId, byte[] encryptionKey, byte[] integrityKey) =>
        encryptionId switch
        {
            20 => new AeadEspCipher(new AesGcm(Key(encryptionKey, keyBits / 8, 4), 16), encryptionKey.AsSpan(keyBits / 8, 4)),
            28 => new AeadEspCipher(new ChaCha20Poly1305(Key(encryptionKey, 32, 4)), encryptionKey.AsSpan(32, 4)),
            12 => new CbcHmacEspCipher(Key(encryptionKey, keyBits / 8, 0), integrityId, integrityKey),
            _ => throw new NotSupportedException($"ESP encryption transform {encryptionId} is not supported"),
        };

    private static byte[] Key(byte[] material, int keyLength, int saltLength)
    {
        if (keyLength is not (16 or 24 or 32) || material.Length != keyLength + saltLength)
            throw new ArgumentException($"key material must be {keyLength}+{saltLength} bytes, got {material.Length}");
        return material[..keyLength];
    }
}

/// <summary>
/// AES-GCM-16 (RFC 4106) and ChaCha20-Poly1305 (RFC 7634): nonce = salt || 8-byte IV, AAD = SPI ||
/// [seq high] || seq low, 16-byte tag. The IV is the 64-bit sequence number, unique per key.
/// </summary>
internal sealed class AeadEspCipher : EspCipher
{
    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[12];

    public AeadEspCipher(AesGcm gcm, ReadOnlySpan<byte> salt) { _gcm = gcm; salt.CopyTo(_nonce); }
    public AeadEspCipher(ChaCha20Poly1305 chacha, ReadOnlySpan<byte> salt) { _chacha = chacha; salt.CopyTo(_nonce); }

    public override int IvLength => 8;
    public override int IcvLength => 16;
    public override int BlockSize => 4;

    public override void Seal(ReadOnlySpan<byte> header, uint? seqHigh, ulong seq, Span<byte> iv, Span<byte> payload, Span<byte> icv)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(iv, seq);
        iv.CopyTo(_nonce.AsSpan(4));
        var aad = Aad(header, seqHigh);
        if (_gcm != null) _gcm.Encrypt(_nonce, payload, payload, icv, aad);
        else _chacha!.Encrypt(_nonce, payload, payload, icv, aad);
    }

    public override bool Open(ReadOnlySpan<byte> header, uint? seqHigh, ReadOnlySpan<byte> iv, Span<byte> payload, ReadOnlySpan<byte> icv)
    {
        iv.CopyTo(_nonce.AsSpan(4));
        var aad = Aad(header, seqHigh);
        try
        {
            if (_gcm != null) _gcm.Decrypt(_nonce, payload, icv, payload, aad);
            else _chacha!.Decrypt(_nonce, payload, icv, payload, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private ReadOnlySpan<byte> Aad(ReadOnlySpan<byte> header, uint? seqHigh)
    {
        // RFC 4106 §5: with ESN the AAD is SPI, the high 32 bits, then the low 32 bits.
        if (seqHigh is not uint hi) return header[..8];
        header[..4].CopyTo(_aad);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_aad.AsSpan(4), hi);
        header.Slice(4, 4).CopyTo(_aad.AsSpan(8));
        return _aad;
    }

    public override void Dispose()
    {
        _gcm?.Dispose();
        _chacha?.Dispose();
    }
}

/// <summary>
/// AES-CBC (RFC 3602) with HMAC-SHA2 truncated ICVs (RFC 4868 §2.3): random 16-byte IV, ICV over
/// ESP header || IV || ciphertext || [seq high] (RFC 4303 §2.2.1, §3.3.2).
/// </summary>
internal sealed class CbcHmacEspCipher : EspCipher
{
    private readonly Aes _aes;
    private readonly IncrementalHash _hmac;
    private readonly int _icvLength;
    private readonly byte[] _mac = new byte[64];
    private readonly byte[] _seqHigh = new byte[4];

    public CbcHmacEspCipher(byte[] key, int integrityId, byte[] integrityKey)
    {
        (HashAlgorithmName hash, _icvLength, int keyLength) = integrityId switch
        {
            12 => (HashAlgorithmName.SHA256, 16, 32),
            13 => (HashAlgorithmName.SHA384, 24, 48),
            14 => (HashAlgorithmName.SHA512, 32, 64),
            _ => throw new NotSupportedException($"ESP integrity transform {integrityId} is not supported with AES-CBC"),
        };
        if (integrityKey.Length != keyLength) throw new ArgumentException($"integrity key must be {keyLength} bytes");
        _aes = Aes.Create();
        _aes.Key = key;
        _hmac = IncrementalHash.CreateHMAC(hash, integrityKey);
    }

    public override int IvLength => 16;
    public override int IcvLength => _icvLength;
    public override int BlockSize => 16;

    public override void Seal(ReadOnlySpan<byte> header, uint? seqHigh, ulong seq, Span<byte> iv, Span<byte> payload, Span<byte> icv)
    {
        RandomNumberGenerator.Fill(iv);
        _aes.EncryptCbc(payload, iv, payload, PaddingMode.None);
        Mac(header, seqHigh, iv, payload).CopyTo(icv);
    }

    public override bool Open(ReadOnlySpan<byte> header, uint? seqHigh, ReadOnlySpan<byte> iv, Span<byte> payload, ReadOnlySpan<byte> icv)
    {
        if (payload.Length % 16 != 0) return false;
        if (!CryptographicOperations.FixedTimeEquals(Mac(header, seqHigh, iv, payload), icv)) return false;
        _aes.DecryptCbc(payload, iv, payload, PaddingMode.None);
        return true;
    }

    private ReadOnlySpan<byte> Mac(ReadOnlySpan<byte> header, uint? seqHigh, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        _hmac.AppendData(header[..8]);
        _hmac.AppendData(iv);
        _hmac.AppendData(ciphertext);
        if (seqHigh is uint hi)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_seqHigh, hi);
            _hmac.AppendData(_seqHigh);
        }
        int n = _hmac.GetHashAndReset(_mac);
        return _mac.AsSpan(0, Math.Min(n, _icvLength));
    }

    public override void Dispose()
    {
        _aes.Dispose();
        _hmac.Dispose();
    }
}

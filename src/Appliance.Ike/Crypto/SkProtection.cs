namespace Appliance.Ike.Crypto;

/// <summary>
/// Protection of the Encrypted and Authenticated (SK) payload body in one direction: RFC 7296 §3.14
/// (AES-CBC + HMAC-SHA2), RFC 5282 (AES-GCM-16) and RFC 7634 (ChaCha20-Poly1305).
/// The body is IV | ciphertext of (inner payloads | padding | pad length) | ICV.
/// <para><paramref name="associated"/> in <see cref="Protect"/> / <see cref="TryUnprotect"/> is every byte of
/// the message before the IV: the IKE header, any unencrypted payloads and the SK generic payload header, all
/// with their final lengths. That is exactly the AEAD associated data of RFC 5282 §5.1 and, followed by
/// IV | ciphertext, exactly the "whole message up to the checksum" that the CBC+HMAC ICV covers (§3.14).</para>
/// </summary>
public abstract class SkProtection : IDisposable
{
    public static SkProtection Create(EncryptionAlgorithm enc, int keyBits, IntegrityAlgorithm integ,
        ReadOnlySpan<byte> encKey, ReadOnlySpan<byte> integKey)
    {
        if (!TransformRegistry.IsKnown(enc) || !TransformRegistry.IsValidKeyLength(enc, keyBits))
            throw new ArgumentException($"unsupported encryption {enc} with {keyBits}-bit key", nameof(enc));
        int expectedEncKey = TransformRegistry.EncryptionKeyBytes(enc, keyBits);
        if (encKey.Length != expectedEncKey)
            throw new ArgumentException($"{enc}-{keyBits} needs {expectedEncKey} bytes of key material, got {encKey.Length}", nameof(encKey));
        if (TransformRegistry.IsAead(enc))
        {
            if (integ != IntegrityAlgorithm.None || !integKey.IsEmpty)
                throw new ArgumentException("an AEAD cipher takes no integrity algorithm (RFC 5282 §8)", nameof(integ));
            return new AeadSkProtection(enc, encKey);
        }
        if (!TransformRegistry.IsKnown(integ) || integ == IntegrityAlgorithm.None)
            throw new ArgumentException($"AES-CBC needs an integrity algorithm, got {integ}", nameof(integ));
        if (integKey.Length != TransformRegistry.IntegrityKeyBytes(integ))
            throw new ArgumentException($"{integ} needs a {TransformRegistry.IntegrityKeyBytes(integ)}-byte key, got {integKey.Length}", nameof(integKey));
        return new CbcHmacSkProtection(encKey, integ, integKey);
    }

    public abstract int IvSize { get; }
    public abstract int IcvSize { get; }

    /// <summary>Alignment of (payloads | padding | pad length): 16 for CBC, 1 for the AEAD ciphers (no alignment needed).</summary>
    public abstract int BlockSize { get; }

    /// <summary>IV + ciphertext (including minimal padding and the pad length byte) + ICV.</summary>
    public int GetProtectedLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return IvSize + PaddedLength(plaintextLength) + IcvSize;
    }

    /// <summary>Length of payloads | padding | pad length with the least padding the block size allows.</summary>
    protected int PaddedLength(int plaintextLength) => (plaintextLength + 1 + BlockSize - 1) / BlockSize * BlockSize;

    /// <summary>Writes IV | ciphertext | ICV into <paramref name="destination"/>, which must be exactly
    /// <see cref="GetProtectedLength"/> bytes. <paramref name="iv"/> must be <see cref="IvSize"/> bytes: a counter
    /// for AEAD (never repeat under one key, RFC 5282 §3), unpredictable for CBC (RFC 7296 §3.14).</summary>
    public void Protect(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        if (iv.Length != IvSize)
            throw new ArgumentException($"IV must be {IvSize} bytes", nameof(iv));
        if (destination.Length != GetProtectedLength(plaintext.Length))
            throw new ArgumentException($"destination must be {GetProtectedLength(plaintext.Length)} bytes", nameof(destination));
        ProtectCore(associated, plaintext, iv, destination);
    }

    /// <summary>Checks the ICV and decrypts; false for a bad ICV, a body that is too short or misaligned, or a pad
    /// length pointing outside the decrypted data. On success <paramref name="plaintext"/> holds the inner payloads.</summary>
    public bool TryUnprotect(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> protectedBody, out byte[] plaintext)
    {
        plaintext = [];
        int cipherLength = protectedBody.Length - IvSize - IcvSize;
        if (cipherLength < 1 || cipherLength % BlockSize != 0)
            return false;
        return TryUnprotectCore(associated, protectedBody, cipherLength, out plaintext);
    }

    private protected abstract void ProtectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv, Span<byte> destination);

    private protected abstract bool TryUnprotectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> body, int cipherLength, out byte[] plaintext);

    /// <summary>Strips padding and the pad length byte from decrypted data (RFC 7296 §3.14).</summary>
    private protected static bool TryStripPadding(byte[] decrypted, out byte[] plaintext)
    {
        int padLength = decrypted[^1];
        int length = decrypted.Length - 1 - padLength;
        if (length < 0)
        {
            plaintext = [];
            return false;
        }
        plaintext = decrypted.AsSpan(0, length).ToArray();
        return true;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

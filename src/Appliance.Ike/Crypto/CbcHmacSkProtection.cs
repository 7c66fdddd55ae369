using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>
/// AES-CBC (RFC 3602) with HMAC-SHA2 truncated to half its output (RFC 4868 §2.1.2) for the SK payload.
/// The ICV is computed over associated | IV | ciphertext and checked in constant time before decrypting.
/// </summary>
internal sealed class CbcHmacSkProtection : SkProtection
{
    private const int AesBlock = 16;

    private readonly Aes _aes;
    private readonly IntegrityAlgorithm _integ;
    private readonly byte[] _integKey;
    private readonly int _icvSize;

    public CbcHmacSkProtection(ReadOnlySpan<byte> encKey, IntegrityAlgorithm integ, ReadOnlySpan<byte> integKey)
    {
        _aes = Aes.Create();
        _aes.Key = encKey.ToArray();
        _integ = integ;
        _integKey = integKey.ToArray();
        _icvSize = TransformRegistry.IntegrityIcvBytes(integ);
    }

    public override int IvSize => AesBlock;
    public override int IcvSize => _icvSize;
    public override int BlockSize => AesBlock;

    private protected override void ProtectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        int padded = PaddedLength(plaintext.Length);
        byte[] input = new byte[padded];
        try
        {
            plaintext.CopyTo(input);
            // Padding bytes may hold any value (RFC 7296 §3.14); zeros keep output reproducible.
            input[^1] = (byte)(padded - plaintext.Length - 1);
            iv.CopyTo(destination);
            _aes.EncryptCbc(input, iv, destination.Slice(AesBlock, padded), PaddingMode.None);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
        IntegrityMac.Compute(_integ, _integKey, associated, destination[..(AesBlock + padded)], destination.Slice(AesBlock + padded, _icvSize));
    }

    private protected override bool TryUnprotectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> body, int cipherLength, out byte[] plaintext)
    {
        plaintext = [];
        Span<byte> icv = stackalloc byte[_icvSize];
        IntegrityMac.Compute(_integ, _integKey, associated, body[..(AesBlock + cipherLength)], icv);
        if (!CryptographicOperations.FixedTimeEquals(icv, body.Slice(AesBlock + cipherLength, _icvSize)))
            return false;
        byte[] decrypted = new byte[cipherLength];
        try
        {
            _aes.DecryptCbc(body.Slice(AesBlock, cipherLength), body[..AesBlock], decrypted, PaddingMode.None);
            return TryStripPadding(decrypted, out plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_integKey);
        }
    }
}

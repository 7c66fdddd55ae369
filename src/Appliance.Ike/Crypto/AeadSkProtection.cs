using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>
/// AES-GCM with a 16-byte ICV (RFC 5282) and ChaCha20-Poly1305 (RFC 7634 §3-4) for the SK payload.
/// Nonce = salt (last 4 bytes of the key material) | 8-byte IV; the AAD is the message up to the IV,
/// without the IV itself (RFC 5282 §5.1).
/// </summary>
internal sealed class AeadSkProtection : SkProtection
{
    private const int SaltSize = 4;
    private const int ExplicitIvSize = 8;
    private const int TagSize = 16;

    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly byte[] _salt;

    public AeadSkProtection(EncryptionAlgorithm alg, ReadOnlySpan<byte> keyWithSalt)
    {
        ReadOnlySpan<byte> key = keyWithSalt[..^SaltSize];
        _salt = keyWithSalt[^SaltSize..].ToArray();
        if (alg == EncryptionAlgorithm.AesGcm16)
            _gcm = new AesGcm(key, TagSize);
        else
            _chacha = new ChaCha20Poly1305(key);
    }

    public override int IvSize => ExplicitIvSize;
    public override int IcvSize => TagSize;
    public override int BlockSize => 1;

    private protected override void ProtectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[SaltSize + ExplicitIvSize];
        _salt.CopyTo(nonce);
        iv.CopyTo(nonce[SaltSize..]);
        iv.CopyTo(destination);
        int padded = PaddedLength(plaintext.Length);
        byte[] input = new byte[padded];
        try
        {
            plaintext.CopyTo(input);
            input[^1] = (byte)(padded - plaintext.Length - 1);
            Span<byte> cipher = destination.Slice(ExplicitIvSize, padded);
            Span<byte> tag = destination.Slice(ExplicitIvSize + padded, TagSize);
            if (_gcm is not null)
                _gcm.Encrypt(nonce, input, cipher, tag, associated);
            else
                _chacha!.Encrypt(nonce, input, cipher, tag, associated);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    private protected override bool TryUnprotectCore(ReadOnlySpan<byte> associated, ReadOnlySpan<byte> body, int cipherLength, out byte[] plaintext)
    {
        plaintext = [];
        Span<byte> nonce = stackalloc byte[SaltSize + ExplicitIvSize];
        _salt.CopyTo(nonce);
        body[..ExplicitIvSize].CopyTo(nonce[SaltSize..]);
        ReadOnlySpan<byte> cipher = body.Slice(ExplicitIvSize, cipherLength);
        ReadOnlySpan<byte> tag = body.Slice(ExplicitIvSize + cipherLength, TagSize);
        byte[] decrypted = new byte[cipherLength];
        try
        {
            if (_gcm is not null)
                _gcm.Decrypt(nonce, cipher, tag, decrypted, associated);
            else
                _chacha!.Decrypt(nonce, cipher, tag, decrypted, associated);
            return TryStripPadding(decrypted, out plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
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
            _gcm?.Dispose();
            _chacha?.Dispose();
            CryptographicOperations.ZeroMemory(_salt);
        }
    }
}

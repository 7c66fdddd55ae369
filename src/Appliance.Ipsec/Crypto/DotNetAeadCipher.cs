using System.Security.Cryptography;

namespace Appliance.Ipsec.Crypto;

/// <summary>
/// AEAD through .NET's AesGcm / ChaCha20Poly1305 (OpenSSL). Those instances keep a native context
/// that must not be used by two threads at once, so calls are serialized with a lock (uncontended
/// in the one-sealer-per-SA case, and cheap next to the cipher work).
/// </summary>
internal sealed class DotNetAeadCipher : AeadEspCipher
{
    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly Lock _lock = new();

    public DotNetAeadCipher(EspSuite suite, ReadOnlySpan<byte> keyMaterial)
        : base(keyMaterial[^SaltLength..])
    {
        ReadOnlySpan<byte> key = keyMaterial[..^SaltLength];
        if (suite == EspSuite.ChaCha20Poly1305)
            _chacha = new ChaCha20Poly1305(key);
        else
            _gcm = new AesGcm(key, TagLength);
    }

    public override string Provider => "DotNet";

    protected override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength)
    {
        Span<byte> text = textAndTag[..textLength];
        Span<byte> tag = textAndTag[textLength..];
        lock (_lock)
        {
            if (_gcm is not null)
                _gcm.Encrypt(nonce, text, text, tag, aad);
            else
                _chacha!.Encrypt(nonce, text, text, tag, aad);
        }
    }

    protected override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength)
    {
        Span<byte> text = textAndTag[..textLength];
        ReadOnlySpan<byte> tag = textAndTag[textLength..];
        try
        {
            lock (_lock)
            {
                if (_gcm is not null)
                    _gcm.Decrypt(nonce, text, tag, text, aad);
                else
                    _chacha!.Decrypt(nonce, text, tag, text, aad);
            }
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // .NET zeroes the output on mismatch; the packet is dropped anyway.
            return false;
        }
    }

    public override void Dispose()
    {
        _gcm?.Dispose();
        _chacha?.Dispose();
    }
}

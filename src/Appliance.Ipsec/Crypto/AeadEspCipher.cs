using System.Buffers.Binary;

namespace Appliance.Ipsec.Crypto;

/// <summary>
/// Shared framing for the AEAD suites: nonce = salt || IV (RFC 4106 §4, RFC 7634 §2) and
/// AAD = SPI || Sequence Number, or SPI || high 32 bits || low 32 bits with ESN
/// (RFC 4106 §5, RFC 7634 §2.1).
/// </summary>
internal abstract class AeadEspCipher : EspCipher
{
    public const int SaltLength = 4;
    public const int NonceLength = 12;
    public const int TagLength = 16;

    private readonly uint _salt;

    protected AeadEspCipher(ReadOnlySpan<byte> salt) => _salt = BinaryPrimitives.ReadUInt32BigEndian(salt);

    public sealed override int IvLength => 8;
    public sealed override int IcvLength => TagLength;

    public sealed override void Seal(Span<byte> esp, bool esn, uint seqHigh)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[12];
        int aadLength = Frame(esp, esn, seqHigh, nonce, aad);
        Span<byte> textAndTag = esp[(EspHeaderLength + 8)..];
        Encrypt(nonce, aad[..aadLength], textAndTag, textAndTag.Length - TagLength);
    }

    public sealed override bool Open(Span<byte> esp, bool esn, uint seqHigh)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[12];
        int aadLength = Frame(esp, esn, seqHigh, nonce, aad);
        Span<byte> textAndTag = esp[(EspHeaderLength + 8)..];
        return Decrypt(nonce, aad[..aadLength], textAndTag, textAndTag.Length - TagLength);
    }

    private int Frame(ReadOnlySpan<byte> esp, bool esn, uint seqHigh, Span<byte> nonce, Span<byte> aad)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _salt);
        esp.Slice(EspHeaderLength, 8).CopyTo(nonce[SaltLength..]);
        esp[..4].CopyTo(aad);
        if (!esn)
        {
            esp.Slice(4, 4).CopyTo(aad[4..]);
            return 8;
        }
        BinaryPrimitives.WriteUInt32BigEndian(aad[4..], seqHigh);
        esp.Slice(4, 4).CopyTo(aad[8..]);
        return 12;
    }

    /// <summary>Encrypts the first <paramref name="textLength"/> bytes in place and writes the 16-byte tag after them.</summary>
    protected abstract void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength);

    /// <summary>Checks the trailing tag and decrypts the text in place; false on mismatch.</summary>
    protected abstract bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> textAndTag, int textLength);
}

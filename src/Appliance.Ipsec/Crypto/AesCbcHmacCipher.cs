using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Ipsec.Crypto;

/// <summary>
/// AES-CBC (RFC 3602) with HMAC-SHA-2 (RFC 4868), encrypt-then-MAC as RFC 4303 §3.3.2 orders it.
/// The ICV covers SPI | Sequence Number | IV | ciphertext, followed by the high 32 bits of the
/// sequence number when ESN is on (RFC 4303 §2.2.1: appended for the computation, never sent).
/// </summary>
internal sealed class AesCbcHmacCipher : EspCipher
{
    private const int BlockSize = 16;

    private readonly Aes _aes;
    private readonly byte[] _integrityKey;
    private readonly IntegrityAlgorithm _integrity;
    private readonly Lock _lock = new();

    public AesCbcHmacCipher(ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> integrityKey, IntegrityAlgorithm integrity)
    {
        _aes = Aes.Create();
        _aes.Key = cipherKey.ToArray();
        _integrityKey = integrityKey.ToArray();
        _integrity = integrity;
        IcvLength = Hmac.IcvLength(integrity);
    }

    public override int IvLength => BlockSize;
    public override int IcvLength { get; }
    public override string Provider => "DotNet";

    public override void Seal(Span<byte> esp, bool esn, uint seqHigh)
    {
        int textLength = esp.Length - EspHeaderLength - BlockSize - IcvLength;
        Span<byte> text = esp.Slice(EspHeaderLength + BlockSize, textLength);
        ReadOnlySpan<byte> iv = esp.Slice(EspHeaderLength, BlockSize);
        lock (_lock)
            _aes.EncryptCbc(text, iv, text, PaddingMode.None);
        ComputeIcv(esp, esn, seqHigh, esp[^IcvLength..]);
    }

    public override bool Open(Span<byte> esp, bool esn, uint seqHigh)
    {
        Span<byte> received = stackalloc byte[IcvLength];
        esp[^IcvLength..].CopyTo(received);
        Span<byte> computed = stackalloc byte[IcvLength];
        ComputeIcv(esp, esn, seqHigh, computed);
        if (!CryptographicOperations.FixedTimeEquals(received, computed))
            return false;

        int textLength = esp.Length - EspHeaderLength - BlockSize - IcvLength;
        Span<byte> text = esp.Slice(EspHeaderLength + BlockSize, textLength);
        ReadOnlySpan<byte> iv = esp.Slice(EspHeaderLength, BlockSize);
        lock (_lock)
            _aes.DecryptCbc(text, iv, text, PaddingMode.None);
        return true;
    }

    /// <summary>
    /// The ICV field itself serves as scratch for the 4 ESN bytes, so the HMAC input stays one
    /// contiguous span (no copy, no incremental state); the caller overwrites the field afterwards.
    /// </summary>
    private void ComputeIcv(Span<byte> esp, bool esn, uint seqHigh, Span<byte> icv)
    {
        int covered = esp.Length - IcvLength;
        if (esn)
        {
            BinaryPrimitives.WriteUInt32BigEndian(esp[covered..], seqHigh);
            covered += 4;
        }
        Span<byte> full = stackalloc byte[Hmac.MaxOutputLength];
        int written = Hmac.Compute(_integrity, _integrityKey, esp[..covered], full);
        full[..IcvLength].CopyTo(icv);
        CryptographicOperations.ZeroMemory(full[..written]);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_integrityKey);
    }
}

namespace Appliance.Ipsec.Crypto;

/// <summary>
/// The cryptographic half of an ESP SA, working in place on one ESP packet laid out as
/// SPI | Sequence Number | IV | plaintext-with-trailer | ICV (RFC 4303 §2). Implementations are
/// thread-safe: several threads may seal (or open) with one instance at once.
/// </summary>
internal abstract class EspCipher : IDisposable
{
    public const int EspHeaderLength = 8;

    public abstract int IvLength { get; }
    public abstract int IcvLength { get; }

    /// <summary>"NSec" or "DotNet": which library does the work, for logs and the self-test.</summary>
    public abstract string Provider { get; }

    /// <summary>
    /// Encrypts esp[8+IV .. Length-ICV) in place and writes the ICV. The header and IV are already
    /// written. <paramref name="seqHigh"/> is used only when <paramref name="esn"/> is set.
    /// </summary>
    public abstract void Seal(Span<byte> esp, bool esn, uint seqHigh);

    /// <summary>Verifies the ICV in constant time and, only if it matches, decrypts in place.</summary>
    public abstract bool Open(Span<byte> esp, bool esn, uint seqHigh);

    public abstract void Dispose();
}

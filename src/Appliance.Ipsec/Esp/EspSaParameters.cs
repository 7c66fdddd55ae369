using Appliance.Ipsec.Crypto;

namespace Appliance.Ipsec.Esp;

/// <summary>What IKE negotiated for one ESP SA (RFC 4301 §4.4.2.1). Key arrays are copied by <see cref="EspSa.Create"/>.</summary>
public sealed class EspSaParameters
{
    public required uint Spi { get; init; }
    public required SaDirection Direction { get; init; }
    public required IpsecMode Mode { get; init; }
    public required EspSuite Suite { get; init; }

    /// <summary>Cipher key, followed by the 4-byte salt for AEAD suites (RFC 4106 §8.1, RFC 7634 §2).</summary>
    public required byte[] EncryptionKey { get; init; }

    /// <summary>HMAC key for the CBC suites (RFC 4868 §2.1.1: as long as the hash output); empty for AEAD.</summary>
    public byte[] IntegrityKey { get; init; } = [];

    /// <summary>64-bit Extended Sequence Numbers (RFC 4303 §2.2.1), as negotiated by IKE's ESN transform.</summary>
    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>Anti-replay window size in packets for inbound SAs (multiple of 64).</summary>
    public int ReplayWindowSize { get; init; } = ReplayWindow.DefaultSize;

    public SaLifetime Lifetime { get; init; }

    public CryptoBackend Backend { get; init; } = CryptoBackend.Auto;

    /// <summary>Source of CBC IVs; defaults to the system CSPRNG.</summary>
    public RandomFill? Random { get; init; }

    /// <summary>Outbound: the sequence number already used (tests start near exhaustion). Normally 0.</summary>
    public ulong InitialSequenceNumber { get; init; }

    /// <summary>Counter set that aggregates all SAs; defaults to <see cref="IpsecCounters.Global"/>.</summary>
    public IpsecCounters? GlobalCounters { get; init; }
}

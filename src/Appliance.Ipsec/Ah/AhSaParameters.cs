using Appliance.Ipsec.Crypto;

namespace Appliance.Ipsec.Ah;

/// <summary>What IKE negotiated for one AH SA (RFC 4302).</summary>
public sealed class AhSaParameters
{
    public required uint Spi { get; init; }
    public required SaDirection Direction { get; init; }
    public required IpsecMode Mode { get; init; }

    /// <summary>RFC 8221 §6 lists HMAC-SHA-256-128 (MUST) and HMAC-SHA-512-256 (SHOULD) for AH.</summary>
    public required IntegrityAlgorithm Integrity { get; init; }

    /// <summary>HMAC key, as long as the hash output (RFC 4868 §2.1.1).</summary>
    public required byte[] IntegrityKey { get; init; }

    public bool ExtendedSequenceNumbers { get; init; }
    public int ReplayWindowSize { get; init; } = ReplayWindow.DefaultSize;
    public SaLifetime Lifetime { get; init; }
    public ulong InitialSequenceNumber { get; init; }
    public IpsecCounters? GlobalCounters { get; init; }

    /// <summary>Outbound tunnel mode: outer source address (4 or 16 bytes).</summary>
    public byte[]? TunnelSource { get; init; }

    /// <summary>Outbound tunnel mode: outer destination address (same family as the source).</summary>
    public byte[]? TunnelDestination { get; init; }
}

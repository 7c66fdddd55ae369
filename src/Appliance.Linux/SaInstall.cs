using System.Net;
using Appliance.Ipsec;

namespace Appliance.Linux;

/// <summary>IPsec protocol of an SA (IANA protocol numbers).</summary>
public enum SaProtocol : byte
{
    Esp = 50,
    Ah = 51,
}

/// <summary>
/// A negotiated Child SA pair as the data plane installs it. Suite numbers are IANA IKEv2
/// Transform IDs: encryption 12 AES-CBC, 20 AES-GCM-16, 28 ChaCha20-Poly1305 (0 for AH);
/// integrity 0 (AEAD), 12 HMAC-SHA2-256-128, 13 HMAC-SHA2-384-192, 14 HMAC-SHA2-512-256.
/// Encryption keys of AEAD suites carry their 4-byte salt at the end (RFC 4106 §8.1, RFC 7634 §2).
/// The data plane owns the key arrays once installed: it zeroes them when the SA is removed (and at dispose).
/// </summary>
public sealed record SaInstall(
    string Tunnel,
    uint InboundSpi,
    uint OutboundSpi,
    IpsecMode Mode,
    SaProtocol Protocol,
    int EncryptionId,
    int KeyBits,
    int IntegrityId,
    byte[] InboundEncryptionKey,
    byte[] InboundIntegrityKey,
    byte[] OutboundEncryptionKey,
    byte[] OutboundIntegrityKey,
    bool ExtendedSequenceNumbers,
    IReadOnlyList<IPNetwork> LocalTs,
    IReadOnlyList<IPNetwork> RemoteTs,
    bool UdpEncapsulation,
    IPEndPoint Local,
    IPEndPoint Remote)
{
    /// <summary>Anti-replay window in packets (RFC 4303 §3.4.3); 0 turns replay checking off.</summary>
    public int ReplayWindow { get; init; } = 1024;

    /// <summary>Byte/packet limits (RFC 4301 §4.4.2.1): soft raises <see cref="DataPlane.SoftLifetimeReached"/>, hard stops the SA.</summary>
    public SaLifetime Lifetime { get; init; }

    /// <summary>
    /// We answered the peer's rekey (RFC 7296 §1.3.3): the peer installs this SA only when our answer arrives, so the
    /// tunnel keeps sending on its current SA until the peer shows it has the new one (its first packet on it, or the
    /// removal of the old SA after the peer's DELETE). Sending earlier loses packets to "unknown SPI" at the peer.
    /// </summary>
    public bool DeferOutbound { get; init; }

    /// <summary>The redundant SA of a rekey collision (RFC 7296 §2.8.1), deleted next: it receives, it never sends.</summary>
    public bool ReceiveOnly { get; init; }

    // Keys never reach logs: the record's generated ToString would print byte[] type names only,
    // but an explicit one keeps future edits from leaking them.
    public override string ToString() =>
        $"SA {Tunnel} in 0x{InboundSpi:x8} out 0x{OutboundSpi:x8} {Protocol} {Mode} encr {EncryptionId}/{KeyBits} integ {IntegrityId}" +
        $" esn {ExtendedSequenceNumbers} udp {UdpEncapsulation} {Local} -> {Remote}";
}

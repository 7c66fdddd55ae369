namespace Appliance.Ipsec;

/// <summary>
/// Why a packet was not sealed or opened. <see cref="None"/> means success; every other value is a
/// counted drop (see <see cref="IpsecCounters"/>), so the data path never needs an exception to say no.
/// </summary>
public enum DropReason
{
    None = 0,
    /// <summary>No SA is installed for the SPI (reported by the SAD lookup above this layer).</summary>
    UnknownSpi,
    /// <summary>The packet's SPI is not the SA's SPI.</summary>
    SpiMismatch,
    /// <summary>Shorter than the headers, IV, trailer and ICV the suite needs, or not block aligned.</summary>
    Truncated,
    /// <summary>ICV check failed (RFC 4303 §3.4.4, RFC 4302 §3.4.4).</summary>
    AuthenticationFailed,
    /// <summary>Sequence number already seen inside the window (RFC 4303 §3.4.3).</summary>
    Replay,
    /// <summary>Sequence number left of the window, or sequence number zero.</summary>
    TooOld,
    /// <summary>Padding bytes are not 1, 2, 3, ... or the pad length exceeds the payload (RFC 4303 §2.4).</summary>
    BadPadding,
    /// <summary>Next Header does not fit the mode (tunnel needs 4 or 41; AH or ESP header field invalid).</summary>
    BadNextHeader,
    /// <summary>Next Header 59: a dummy (TFC) packet, RFC 4303 §2.6; discarded by design.</summary>
    DummyPacket,
    /// <summary>Inner (tunnel) or outer IP header is malformed or its length disagrees with the buffer.</summary>
    BadIpHeader,
    /// <summary>IP fragment or an IPv6 extension header this layer does not process.</summary>
    UnsupportedHeader,
    /// <summary>Sending would reuse or wrap the sequence number: the SA must be rekeyed (RFC 4303 §3.3.3).</summary>
    SequenceNumberExhausted,
    /// <summary>Hard byte or packet lifetime reached: the SA must be rekeyed or deleted.</summary>
    LifetimeExpired,
    /// <summary>The caller's buffer lacks the headroom or tailroom the transform needs.</summary>
    NoBufferSpace,
    /// <summary>Packet direction does not match the SA (seal on inbound, open on outbound).</summary>
    WrongDirection,
}

namespace Appliance.Linux.Policy;

/// <summary>What the outbound SPD decided for a LAN packet (RFC 4301 §4.4.1: PROTECT, BYPASS, DISCARD).</summary>
internal enum SpdAction : byte
{
    /// <summary>The destination is no tunnel's remote selector: not the data plane's business.</summary>
    NotOurs,
    Protect,
    Bypass,
    Discard,
}

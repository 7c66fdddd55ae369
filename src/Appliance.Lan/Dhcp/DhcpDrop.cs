namespace Appliance.Lan.Dhcp;

/// <summary>Why a received datagram was not answered; each has a counter in the status.</summary>
public enum DhcpDrop
{
    /// <summary>Shorter than the 236-byte fixed part plus the magic cookie.</summary>
    Truncated,
    /// <summary>Larger than any client sends (RFC 2131 allows 576 by default; 1500 is the Ethernet limit).</summary>
    Oversized,
    /// <summary>Not a BOOTREQUEST, or not Ethernet (htype 1, hlen 6).</summary>
    NotEthernetRequest,
    /// <summary>No DHCP magic cookie: plain BOOTP, which the server does not serve.</summary>
    BadMagicCookie,
    /// <summary>An option's length runs past the end of its field, or no End option.</summary>
    MalformedOptions,
    /// <summary>Option 53 missing, of the wrong length or an unknown/server-side type.</summary>
    BadMessageType,
    /// <summary>Came through a relay agent (giaddr set): the server serves its own link only.</summary>
    Relayed,
    /// <summary>A REQUEST naming another server: the client chose that server's offer.</summary>
    OtherServer,
    /// <summary>Nothing to offer: every pool address is leased, offered or declined.</summary>
    PoolExhausted,
    /// <summary>A REQUEST, RELEASE or DECLINE for a client or address the server has no record of (RFC 2131 §4.3.2: stay silent).</summary>
    NoRecord,
}

namespace Appliance.Lan.Dns;

/// <summary>Why a DNS message was not used; counted in the status.</summary>
public enum DnsDrop
{
    /// <summary>Shorter than the 12-byte header or a section runs past the end.</summary>
    Truncated,
    /// <summary>Larger than the forwarder accepts from a LAN client.</summary>
    Oversized,
    /// <summary>Not a standard query (QR set, or an opcode other than QUERY).</summary>
    NotQuery,
    /// <summary>Not exactly one question (RFC 1035 allows more; no server answers them).</summary>
    BadQuestionCount,
    /// <summary>A label over 63 bytes, a name over 255, a reserved label type, or a compression pointer that does not point back.</summary>
    BadName,
}

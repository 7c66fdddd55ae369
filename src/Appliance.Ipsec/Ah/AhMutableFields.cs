using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Ah;

/// <summary>
/// Builds the copy of an IP header that goes into the AH ICV, with mutable fields zeroed
/// (RFC 4302 §3.3.3.1). The packet itself is never modified.
/// </summary>
internal static class AhMutableFields
{
    /// <summary>
    /// IPv4 (RFC 4302 §3.3.3.1.1.1): TOS (DSCP/ECN), flags, fragment offset, TTL and checksum are
    /// zeroed. Options (§3.3.3.1.1.2, Appendix A.1): EOL, NOP, Security, Extended Security,
    /// Commercial Security, Router Alert and SDMDD are immutable; every other option is zeroed whole.
    /// Returns false for a malformed option list.
    /// </summary>
    public static bool TryCopyIPv4(ReadOnlySpan<byte> header, Span<byte> copy)
    {
        header.CopyTo(copy);
        copy[IPv4Header.TosOffset] = 0;
        copy[IPv4Header.FlagsFragmentOffset] = 0;
        copy[IPv4Header.FlagsFragmentOffset + 1] = 0;
        copy[IPv4Header.TtlOffset] = 0;
        copy[IPv4Header.ChecksumOffset] = 0;
        copy[IPv4Header.ChecksumOffset + 1] = 0;

        int i = IPv4Header.MinLength;
        while (i < header.Length)
        {
            byte type = header[i];
            if (type == 0)
                break; // End of Option List: the rest is padding, immutable by definition
            if (type == 1)
            {
                i++;
                continue;
            }
            if (i + 1 >= header.Length)
                return false;
            int length = header[i + 1];
            if (length < 2 || i + length > header.Length)
                return false;
            if (!IsImmutable(type))
                copy.Slice(i, length).Clear();
            i += length;
        }
        return true;
    }

    /// <summary>RFC 4302 Appendix A.1, with the full option type octet (copy flag, class, number).</summary>
    private static bool IsImmutable(byte type) => type is 130 or 133 or 134 or 148 or 149;

    /// <summary>IPv6 base header (RFC 4302 §3.3.3.1.2.1): traffic class, flow label and hop limit zeroed.</summary>
    public static void CopyIPv6(ReadOnlySpan<byte> header, Span<byte> copy)
    {
        header[..IPv6Header.Length].CopyTo(copy);
        copy[0] = 0x60;
        copy[1] = 0;
        copy[2] = 0;
        copy[3] = 0;
        copy[IPv6Header.HopLimitOffset] = 0;
    }
}

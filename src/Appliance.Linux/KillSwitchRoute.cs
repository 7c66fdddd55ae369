using System.Net;

namespace Appliance.Linux;

/// <summary>What the kill switch wants for one prefix in its routing table.</summary>
public enum KillSwitchAction : byte
{
    /// <summary>RTN_BLACKHOLE: the kernel silently discards (no ICMP), so a protected subnet never leaves in clear.</summary>
    Blackhole = 6,

    /// <summary>RTN_THROW: leave the table and continue with the main table (bypass prefixes, the peer's own address).</summary>
    Throw = 9,
}

/// <summary>One route of the kill switch table.</summary>
public readonly record struct KillSwitchRoute(IPNetwork Prefix, KillSwitchAction Action);

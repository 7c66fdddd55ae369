using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Appliance.Linux.Routing;

/// <summary>
/// Turns IPv6 address generation off on one link over rtnetlink (RTM_SETLINK with IFLA_AF_SPEC → AF_INET6 →
/// IFLA_INET6_ADDR_GEN_MODE = IN6_ADDR_GEN_MODE_NONE). Without a link-local address the kernel sends no router
/// solicitations, DAD probes or MLD reports on the link. This replaces writing
/// /proc/sys/net/ipv6/conf/&lt;link&gt;/disable_ipv6, which the unit's ProtectKernelTunables=yes makes read-only.
/// </summary>
internal static class Ipv6AddressGeneration
{
    private const ushort RTM_SETLINK = 19, IFLA_AF_SPEC = 26, IFLA_INET6_ADDR_GEN_MODE = 8;
    private const ushort AF_INET6 = 10;
    private const byte IN6_ADDR_GEN_MODE_NONE = 1;
    private const int EAFNOSUPPORT = 97;
    private const int IfInfoSize = 16; // struct ifinfomsg

    /// <summary>Must run before the link goes up: addresses already made are not removed.</summary>
    /// <exception cref="IOException">The kernel refused the request.</exception>
    public static void Disable(int ifIndex)
    {
        using var netlink = new RtNetlink();
        int err = netlink.Request(RTM_SETLINK, 0, Request(ifIndex));
        // A kernel booted without IPv6 has no AF_INET6 link operations: there is nothing to turn off.
        if (err == EAFNOSUPPORT) return;
        if (err != 0) throw new IOException($"RTM_SETLINK (IPv6 address generation off) on ifindex {ifIndex}: errno {err}");
    }

    /// <summary>The RTM_SETLINK body: ifinfomsg for the link, then the nested AF_INET6 attribute.</summary>
    internal static ReadOnlySpan<byte> Request(int ifIndex)
    {
        var inet6 = new List<byte>(8);
        RtNetlink.AddAttribute(inet6, IFLA_INET6_ADDR_GEN_MODE, [IN6_ADDR_GEN_MODE_NONE]);
        var afSpec = new List<byte>(12);
        RtNetlink.AddAttribute(afSpec, AF_INET6, CollectionsMarshal.AsSpan(inet6));
        var body = new List<byte>(IfInfoSize + 16);
        Span<byte> ifinfo = stackalloc byte[IfInfoSize];
        ifinfo.Clear(); // ifi_family AF_UNSPEC, no flag change
        BinaryPrimitives.WriteInt32LittleEndian(ifinfo[4..], ifIndex);
        body.AddRange(ifinfo);
        RtNetlink.AddAttribute(body, IFLA_AF_SPEC, CollectionsMarshal.AsSpan(afSpec));
        return CollectionsMarshal.AsSpan(body);
    }
}

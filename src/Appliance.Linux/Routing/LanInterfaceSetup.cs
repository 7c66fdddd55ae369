using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Appliance.Common;
using Appliance.Linux.Native;

namespace Appliance.Linux.Routing;

/// <summary>
/// Makes the LAN interface what the configuration says, over rtnetlink so the service needs CAP_NET_ADMIN only
/// (no `ip`, no /proc/sys writes, which the unit's ProtectKernelTunables= forbids): the link up, exactly the
/// configured IPv4 address (others the service or a previous configuration left are removed), the configured
/// IPv6 address when one is set, and IPv4 forwarding on the LAN and WAN interfaces (IFLA_INET_CONF), which
/// traffic outside the tunnel (Bypass prefixes) needs. The kernel checks forwarding on the receiving interface,
/// so these two are enough; the kill switch's routes keep tunnel traffic from ever being forwarded in clear.
/// </summary>
public static class LanInterfaceSetup
{
    private const ushort RTM_NEWLINK = 16, RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    private const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
    private const ushort IFLA_AF_SPEC = 26, IFLA_INET_CONF = 1, NLA_F_NESTED = 0x8000;
    private const int IPV4_DEVCONF_FORWARDING = 1;
    private const uint IFF_UP = 1;
    private const byte RT_SCOPE_UNIVERSE = 0;

    public sealed record Result(int Added, int Removed);

    public static Result Apply(string lanInterface, InterfaceAddress? ipv4, InterfaceAddress? ipv6, string? wanInterface)
    {
        int lan = Libc.InterfaceIndex(lanInterface);
        using var netlink = new RtNetlink();
        Check(netlink.Request(RTM_NEWLINK, 0, LinkUp(lan)), $"bringing {lanInterface} up");
        int added = 0, removed = 0;
        foreach (var wanted in (InterfaceAddress?[])[ipv4, ipv6])
        {
            if (wanted is not { } address) continue;
            var present = Addresses(netlink, lan, address.Address.AddressFamily);
            foreach (var stale in present.Where(p => !p.Equals(address)))
            {
                Check(netlink.Request(RTM_DELADDR, 0, AddressMessage(lan, stale)), $"removing {stale} from {lanInterface}");
                removed++;
            }
            if (!present.Contains(address))
            {
                Check(netlink.Request(RTM_NEWADDR, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, AddressMessage(lan, address)),
                    $"adding {address} to {lanInterface}");
                added++;
            }
        }
        Check(netlink.Request(RTM_NEWLINK, 0, Ipv4Forwarding(lan, on: true)), $"IPv4 forwarding on {lanInterface}");
        if (wanInterface is not null)
            Check(netlink.Request(RTM_NEWLINK, 0, Ipv4Forwarding(Libc.InterfaceIndex(wanInterface), on: true)), $"IPv4 forwarding on {wanInterface}");
        return new Result(added, removed);
    }

    private static void Check(int errno, string what)
    {
        if (errno != 0) throw new IOException($"{what} failed: errno {errno}{(errno == 1 /* EPERM */ ? " (needs CAP_NET_ADMIN)" : "")}");
    }

    /// <summary>The interface's global-scope addresses of one family (link-local IPv6 is the kernel's own and stays).</summary>
    private static List<InterfaceAddress> Addresses(RtNetlink netlink, int index, AddressFamily family)
    {
        var found = new List<InterfaceAddress>();
        byte af = family == AddressFamily.InterNetwork ? (byte)Libc.AF_INET : (byte)Libc.AF_INET6;
        Span<byte> request = stackalloc byte[8];
        request.Clear();
        request[0] = af;
        netlink.Dump(RTM_GETADDR, request, (type, body) =>
        {
            // struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index }
            if (type != RTM_NEWADDR || body.Length < 8 || body[0] != af) return;
            if (BinaryPrimitives.ReadInt32LittleEndian(body[4..]) != index || body[3] != RT_SCOPE_UNIVERSE) return;
            int prefix = body[1];
            IPAddress? local = null, address = null;
            RtNetlink.ForEachAttribute(body, 8, (t, value) =>
            {
                if ((t == IFA_LOCAL || t == IFA_ADDRESS) && value.Length == (af == Libc.AF_INET ? 4 : 16))
                {
                    if (t == IFA_LOCAL) local = new IPAddress(value);
                    else address = new IPAddress(value);
                }
            });
            if ((local ?? address) is { } a) found.Add(new InterfaceAddress(a, prefix));
        });
        return found;
    }

    private static byte[] AddressMessage(int index, InterfaceAddress address)
    {
        bool v4 = address.Address.AddressFamily == AddressFamily.InterNetwork;
        var body = new List<byte>(64)
        {
            (byte)(v4 ? Libc.AF_INET : Libc.AF_INET6), (byte)address.PrefixLength, 0, RT_SCOPE_UNIVERSE,
        };
        Span<byte> idx = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(idx, index);
        body.AddRange(idx);
        byte[] bytes = address.Address.GetAddressBytes();
        RtNetlink.AddAttribute(body, IFA_LOCAL, bytes);
        RtNetlink.AddAttribute(body, IFA_ADDRESS, bytes);
        if (v4 && address.PrefixLength <= 30 && address.Ipv4Broadcast is { } broadcast)
            RtNetlink.AddAttribute(body, IFA_BROADCAST, broadcast.GetAddressBytes());
        return [.. body];
    }

    /// <summary>struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags, change } (16 bytes).</summary>
    private static List<byte> LinkHeader(int index, uint flags, uint change)
    {
        var body = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(12), change);
        return [.. body];
    }

    private static byte[] LinkUp(int index) => [.. LinkHeader(index, IFF_UP, IFF_UP)];

    /// <summary>IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { [IPV4_DEVCONF_FORWARDING] = on } } }: what networkd's IPForward= sends.</summary>
    private static byte[] Ipv4Forwarding(int index, bool on)
    {
        var conf = new List<byte>();
        RtNetlink.AddU32(conf, IPV4_DEVCONF_FORWARDING, on ? 1u : 0u);
        var inet = new List<byte>();
        RtNetlink.AddAttribute(inet, (ushort)(IFLA_INET_CONF | NLA_F_NESTED), conf.ToArray());
        var spec = new List<byte>();
        RtNetlink.AddAttribute(spec, (ushort)(Libc.AF_INET | NLA_F_NESTED), inet.ToArray());
        var body = LinkHeader(index, 0, 0);
        RtNetlink.AddAttribute(body, (ushort)(IFLA_AF_SPEC | NLA_F_NESTED), spec.ToArray());
        return [.. body];
    }
}

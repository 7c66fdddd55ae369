using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Routing;

/// <summary>
/// One direct-action cls_bpf filter on a NIC's clsact ingress hook, managed over rtnetlink (tc-bpf(8) without the
/// tc binary): the clsact qdisc is added when missing (and left in place: other filters may hang off it), the
/// filter is identified by a fixed priority and handle so a restart replaces the one a crashed run left behind.
/// </summary>
internal sealed class TcIngressFilter : IDisposable
{
    private const ushort RTM_NEWQDISC = 36, RTM_NEWTFILTER = 44, RTM_DELTFILTER = 45;
    private const ushort TCA_KIND = 1, TCA_OPTIONS = 2, NLA_F_NESTED = 0x8000;
    private const ushort TCA_BPF_FD = 6, TCA_BPF_NAME = 7, TCA_BPF_FLAGS = 8;
    private const uint TCA_BPF_FLAG_ACT_DIRECT = 1;
    private const uint TC_H_CLSACT = 0xFFFFFFF1, ClsactHandle = 0xFFFF0000, ClsactIngress = 0xFFFFFFF2;
    private const int EOPNOTSUPP = 95, EINVAL = 22;

    /// <summary>The filter's priority (protocol 50, easy to spot in `tc filter show dev WAN ingress`) and handle.</summary>
    public const ushort Priority = 50;
    public const uint Handle = 1;

    private readonly RtNetlink _netlink = new();
    private readonly int _ifIndex;
    private bool _attached;

    public TcIngressFilter(int ifIndex) => _ifIndex = ifIndex;

    /// <summary>Adds clsact if needed and attaches (or replaces) our filter running <paramref name="programFd"/>.</summary>
    public void Attach(int programFd, string name)
    {
        var qdisc = Header(ClsactHandle, TC_H_CLSACT, 0);
        RtNetlink.AddAttribute(qdisc, TCA_KIND, "clsact\0"u8);
        int error = _netlink.Request(RTM_NEWQDISC, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, qdisc.ToArray());
        if (error != 0 && error != Libc.EEXIST) throw new IOException($"adding the clsact qdisc failed: errno {error}");

        var filter = FilterHeader();
        RtNetlink.AddAttribute(filter, TCA_KIND, "bpf\0"u8);
        var options = new List<byte>();
        RtNetlink.AddU32(options, TCA_BPF_FD, (uint)programFd);
        RtNetlink.AddAttribute(options, TCA_BPF_NAME, System.Text.Encoding.ASCII.GetBytes(name + "\0"));
        RtNetlink.AddU32(options, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        RtNetlink.AddAttribute(filter, TCA_OPTIONS | NLA_F_NESTED, options.ToArray());
        error = _netlink.Request(RTM_NEWTFILTER, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_REPLACE, filter.ToArray());
        if (error != 0) throw new IOException($"attaching the cls_bpf ingress filter failed: errno {error}");
        _attached = true;
    }

    /// <summary>Removes our filter if present (ours from this run or a crashed one); true when one was removed.</summary>
    public bool Remove()
    {
        var filter = FilterHeader();
        RtNetlink.AddAttribute(filter, TCA_KIND, "bpf\0"u8);
        int error = _netlink.Request(RTM_DELTFILTER, 0, filter.ToArray());
        _attached = false;
        // No clsact or no such filter: nothing of ours is there.
        if (error is Libc.ENOENT or EINVAL or EOPNOTSUPP) return false;
        if (error != 0) throw new IOException($"removing the cls_bpf ingress filter failed: errno {error}");
        return true;
    }

    private List<byte> FilterHeader() =>
        Header(Handle, ClsactIngress, ((uint)Priority << 16) | BinaryPrimitives.ReverseEndianness(Libc.ETH_P_IP));

    /// <summary>struct tcmsg: family, padding, ifindex, handle, parent, info.</summary>
    private List<byte> Header(uint handle, uint parent, uint info)
    {
        var body = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), _ifIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), handle);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(12), parent);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(16), info);
        return [.. body];
    }

    public void Dispose()
    {
        try
        {
            if (_attached) Remove();
        }
        finally
        {
            _netlink.Dispose();
        }
    }
}

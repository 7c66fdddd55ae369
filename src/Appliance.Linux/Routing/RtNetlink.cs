using System.Buffers.Binary;
using Appliance.Linux.Native;

namespace Appliance.Linux.Routing;

/// <summary>
/// A NETLINK_ROUTE socket with synchronous request/acknowledge and dump, enough to manage the
/// kill switch's routes and policy rule without spawning `ip` (rtnetlink(7), netlink(7)).
/// </summary>
internal sealed unsafe class RtNetlink : IDisposable
{
    public const ushort RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public const ushort RTM_NEWRULE = 32, RTM_DELRULE = 33, RTM_GETRULE = 34;
    public const ushort NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
    public const ushort NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
    private const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private const int NETLINK_ROUTE = 0;

    private readonly int _fd;
    private readonly byte[] _rx = new byte[64 * 1024];
    private uint _seq;

    public RtNetlink()
    {
        _fd = Libc.Check(Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE), "socket(NETLINK_ROUTE)");
        Libc.SetReceiveTimeout(_fd, TimeSpan.FromSeconds(2));
        // sockaddr_nl with pid 0: the kernel assigns the port id.
        byte* addr = stackalloc byte[12];
        new Span<byte>(addr, 12).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(addr, 2), Libc.AF_NETLINK);
        Libc.Check(Libc.bind(_fd, addr, 12), "bind(NETLINK_ROUTE)");
    }

    /// <summary>Sends one request with NLM_F_ACK and returns the kernel's errno (0 = success).</summary>
    public int Request(ushort type, ushort flags, ReadOnlySpan<byte> body)
    {
        uint seq = Send(type, (ushort)(flags | NLM_F_REQUEST | NLM_F_ACK), body);
        while (true)
        {
            int n = Receive();
            for (int off = 0; off + 16 <= n;)
            {
                var msg = _rx.AsSpan(off, n - off);
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(msg);
                if (len < 16 || len > msg.Length) throw new IOException("netlink: truncated message");
                ushort t = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
                uint s = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
                if (s == seq && t == NLMSG_ERROR && len >= 20) return -BinaryPrimitives.ReadInt32LittleEndian(msg[16..]);
                off += Align(len);
            }
        }
    }

    /// <summary>Dumps (type with NLM_F_DUMP) and calls <paramref name="onMessage"/> with each message's body.</summary>
    public void Dump(ushort type, ReadOnlySpan<byte> body, SpanAction onMessage)
    {
        uint seq = Send(type, NLM_F_REQUEST | NLM_F_DUMP, body);
        int err = ReceiveReplies(seq, (t, msg, len) =>
        {
            if (t == NLMSG_DONE) return 0;
            if (t == NLMSG_ERROR) return len >= 20 ? -BinaryPrimitives.ReadInt32LittleEndian(msg[16..]) : 0;
            onMessage(t, msg[16..len]);
            return null;
        });
        if (err != 0) throw new IOException($"netlink dump {type} failed: errno {err}");
    }

    /// <summary>What to do with one reply: null reads on, a number ends the exchange with that result.</summary>
    private delegate int? ReplyHandler(ushort type, ReadOnlySpan<byte> message, int length);

    /// <summary>Reads replies to <paramref name="seq"/> (skipping others) until <paramref name="handle"/> returns a result.</summary>
    private int ReceiveReplies(uint seq, ReplyHandler handle)
    {
        while (true)
        {
            int n = Receive();
            for (int off = 0; off + 16 <= n;)
            {
                var msg = _rx.AsSpan(off, n - off);
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(msg);
                if (len < 16 || len > msg.Length) throw new IOException("netlink: truncated message");
                ushort t = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
                uint s = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
                off += Align(len);
                if (s != seq) continue;
                if (handle(t, msg, len) is { } result) return result;
            }
        }
    }

    public delegate void SpanAction(ushort type, ReadOnlySpan<byte> body);

    /// <summary>
    /// Sends one get request (no dump, no ACK) and calls <paramref name="onMessage"/> with the answer's body;
    /// returns the kernel's errno (0 = answered; e.g. ENOENT when there is no such neighbour).
    /// </summary>
    public int Get(ushort type, ReadOnlySpan<byte> body, SpanAction onMessage)
    {
        uint seq = Send(type, NLM_F_REQUEST, body);
        return ReceiveReplies(seq, (t, msg, len) =>
        {
            if (t == NLMSG_ERROR) return len >= 20 ? -BinaryPrimitives.ReadInt32LittleEndian(msg[16..]) : Libc.EIO;
            onMessage(t, msg[16..len]);
            return 0;
        });
    }


    private uint Send(ushort type, ushort flags, ReadOnlySpan<byte> body)
    {
        uint seq = ++_seq;
        byte[] buf = new byte[16 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)buf.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(8), seq);
        body.CopyTo(buf.AsSpan(16));
        byte* addr = stackalloc byte[12];
        new Span<byte>(addr, 12).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(addr, 2), Libc.AF_NETLINK);
        fixed (byte* p = buf)
        {
            if (Libc.sendto(_fd, p, (nuint)buf.Length, 0, addr, 12) < 0)
                throw new IOException($"netlink send failed: errno {Libc.Errno}");
        }
        return seq;
    }

    private int Receive()
    {
        fixed (byte* p = _rx)
        {
            nint n = Libc.recv(_fd, p, (nuint)_rx.Length, 0);
            if (n < 0) throw new IOException($"netlink receive failed: errno {Libc.Errno}");
            return (int)n;
        }
    }

    internal static int Align(int len) => (len + 3) & ~3;

    /// <summary>Appends a route attribute (rtattr: len, type, value, padding) to <paramref name="body"/>.</summary>
    public static void AddAttribute(List<byte> body, ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> hdr = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(hdr, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(hdr[2..], type);
        body.AddRange(hdr);
        body.AddRange(value);
        for (int i = 4 + value.Length; i < Align(4 + value.Length); i++) body.Add(0);
    }

    public static void AddU32(List<byte> body, ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(v, value);
        AddAttribute(body, type, v);
    }

    /// <summary>Walks the attributes after a fixed header of <paramref name="fixedSize"/> bytes.</summary>
    public static void ForEachAttribute(ReadOnlySpan<byte> body, int fixedSize, AttributeAction action)
    {
        for (int off = fixedSize; off + 4 <= body.Length;)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(body[off..]);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(body[(off + 2)..]);
            if (len < 4 || off + len > body.Length) return;
            action(type, body.Slice(off + 4, len - 4));
            off += Align(len);
        }
    }

    public delegate void AttributeAction(ushort type, ReadOnlySpan<byte> value);

    public void Dispose() => Libc.close(_fd);
}

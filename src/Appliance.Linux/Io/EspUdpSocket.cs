using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// The data plane's own UDP socket for ESP-in-UDP (RFC 3948) with one peer. It is bound to the local NAT-T
/// endpoint, which it shares with the host's IKE socket (SO_REUSEPORT on both), and connected to the peer's:
/// the kernel hands a connected socket every datagram from that peer (it out-scores the unconnected one), so
/// the peer's ESP, IKE and keepalives all arrive here; datagrams from anyone else still go to the host.
/// Sending, a run of equally sized ESP packets goes out as one UDP GSO datagram (UDP_SEGMENT): one sendmsg and
/// one skb through the stack and across the link, cut into datagrams as late as possible. Receiving, UDP_GRO
/// lets the kernel hand such a train over whole, with its segment size.
/// The send half belongs to one thread (the LAN worker), the receive half to another (the UDP worker).
/// </summary>
internal sealed unsafe class EspUdpSocket : IDisposable
{
    /// <summary>UDP_MAX_SEGMENTS of older kernels (6.x allows 128).</summary>
    public const int MaxSegments = 64;
    /// <summary>Room per received (possibly GRO-merged) datagram.</summary>
    public const int ReceiveSlotSize = 65536;
    // A datagram's payload must fit the 16-bit IP/UDP length fields with the headers.
    private const int MaxPayload = 65535 - 8 - 40;
    // CMSG_SPACE(sizeof(int)): room for one UDP_SEGMENT (u16) or UDP_GRO (int) control message on LP64.
    private const int ControlSize = 24;
    private const int CMsgDataOffset = 16;

    private readonly int _txCapacity, _rxCapacity;
    private readonly IoVec* _txIov;
    private readonly MMsgHdr* _txMsgs;
    private readonly byte* _txControl;
    private readonly int[] _txFirst, _txSegments;
    private int _txIovCount, _txMsgCount, _segmentSize, _runBytes;
    private bool _runClosed, _gsoUnsupported;

    private readonly byte* _rxData;
    private readonly IoVec* _rxIov;
    private readonly MMsgHdr* _rxMsgs;
    private readonly byte* _rxControl;

    public EspUdpSocket(IPEndPoint local, IPEndPoint remote, int txCapacity, int rxCapacity)
    {
        Local = local;
        Remote = remote;
        bool v6 = local.AddressFamily == AddressFamily.InterNetworkV6;
        Fd = Libc.Check(Libc.socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.IPPROTO_UDP), "socket(UDP)");
        try
        {
            Libc.SetInt(Fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1, "SO_REUSEADDR");
            Libc.SetInt(Fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1, "SO_REUSEPORT");
            Libc.SetInt(Fd, Libc.SOL_UDP, Libc.UDP_GRO, 1, "UDP_GRO");
            // As on the raw ESP socket: an inner packet sent without DF may leave as outer fragments.
            if (!v6) Libc.SetInt(Fd, Libc.SOL_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_DONT, "IP_MTU_DISCOVER");
            LanCapture.TrySetBuffer(Fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, 8 << 20);
            LanCapture.TrySetBuffer(Fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, 8 << 20);
            byte* name = stackalloc byte[32];
            var span = new Span<byte>(name, 32);
            int length = SockAddr.Write(span, local.Address.GetAddressBytes(), (ushort)local.Port);
            Libc.Check(Libc.bind(Fd, name, length), $"bind({local})");
            length = SockAddr.Write(span, remote.Address.GetAddressBytes(), (ushort)remote.Port);
            Libc.Check(Libc.connect(Fd, name, length), $"connect({remote})");
        }
        catch
        {
            Libc.close(Fd);
            throw;
        }
        _txCapacity = txCapacity;
        _rxCapacity = rxCapacity;
        _txIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(txCapacity * sizeof(IoVec)));
        _txMsgs = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(txCapacity * sizeof(MMsgHdr)));
        _txControl = (byte*)NativeMemory.AllocZeroed((nuint)(txCapacity * ControlSize));
        _txFirst = new int[txCapacity];
        _txSegments = new int[txCapacity];
        _rxData = (byte*)NativeMemory.AlignedAlloc((nuint)(rxCapacity * ReceiveSlotSize), 64);
        _rxIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(rxCapacity * sizeof(IoVec)));
        _rxMsgs = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(rxCapacity * sizeof(MMsgHdr)));
        _rxControl = (byte*)NativeMemory.AllocZeroed((nuint)(rxCapacity * ControlSize));
        Lengths = new int[rxCapacity];
        SegmentSizes = new int[rxCapacity];
    }

    public int Fd { get; }
    public IPEndPoint Local { get; }
    public IPEndPoint Remote { get; }

    /// <summary>IKE saw the peer at another endpoint (NAT rebinding): the host's socket sends for this peer now.</summary>
    public volatile bool PeerMoved;

    /// <summary>Queued packets not sent yet.</summary>
    public int Queued => _txIovCount;

    /// <summary>
    /// Queues one sealed ESP packet; the memory must stay valid until <see cref="Flush"/>. Consecutive packets of
    /// one size share a GSO datagram; a shorter one may end it (the last segment may be short), a longer one starts the next.
    /// </summary>
    /// <returns>False when the queue is full (flush first).</returns>
    public bool Queue(byte* packet, int length)
    {
        if (_txIovCount == _txCapacity) return false;
        int m = _txMsgCount - 1;
        bool extend = m >= 0 && !_runClosed && !_gsoUnsupported && length <= _segmentSize && _txSegments[m] < MaxSegments && _runBytes + length <= MaxPayload;
        if (!extend)
        {
            m = _txMsgCount++;
            _txFirst[m] = _txIovCount;
            _txSegments[m] = 0;
            _segmentSize = length;
            _runBytes = 0;
            _runClosed = false;
        }
        _txIov[_txIovCount].Base = packet;
        _txIov[_txIovCount].Length = (nuint)length;
        _txIovCount++;
        _txSegments[m]++;
        _runBytes += length;
        if (length < _segmentSize) _runClosed = true;
        return true;
    }

    /// <summary>Sends everything queued with one sendmmsg (a GSO datagram per run of equal sizes).</summary>
    /// <param name="batched">Packets that left inside a multi-segment GSO datagram.</param>
    /// <returns>How many packets the kernel refused.</returns>
    public int Flush(out int batched)
    {
        batched = 0;
        for (int m = 0; m < _txMsgCount; m++)
        {
            int segments = _txSegments[m];
            byte* control = _txControl + m * ControlSize;
            if (segments > 1)
            {
                var cmsg = (CMsgHdr*)control;
                cmsg->Length = CMsgDataOffset + sizeof(ushort);
                cmsg->Level = Libc.SOL_UDP;
                cmsg->Type = Libc.UDP_SEGMENT;
                *(ushort*)(control + CMsgDataOffset) = (ushort)_txIov[_txFirst[m]].Length;
            }
            _txMsgs[m].Header = new MsgHdr
            {
                Iov = _txIov + _txFirst[m], IovLength = (nuint)segments,
                Control = segments > 1 ? control : null, ControlLength = segments > 1 ? (nuint)ControlSize : 0,
            };
        }
        int sent = 0, failed = 0;
        while (sent < _txMsgCount)
        {
            int n = Libc.sendmmsg(Fd, _txMsgs + sent, (uint)(_txMsgCount - sent), 0);
            if (n > 0)
            {
                for (int m = sent; m < sent + n; m++) if (_txSegments[m] > 1) batched += _txSegments[m];
                sent += n;
                continue;
            }
            int errno = n < 0 ? Libc.Errno : 0;
            if (errno == Libc.EINTR) continue;
            // Refused: a GSO datagram whose segments exceed the route MTU (EINVAL; they need fragmenting), a device
            // without checksum offload (EIO: it will not change, so no more trains), a full buffer or an ICMP
            // error from the peer. Each packet on its own.
            if (errno == Libc.EIO && _txSegments[sent] > 1) _gsoUnsupported = true;
            failed += SendOneByOne(sent);
            sent++;
        }
        _txIovCount = _txMsgCount = 0;
        return failed;
    }

    private int SendOneByOne(int message)
    {
        int failed = 0;
        for (int i = _txFirst[message], end = i + _txSegments[message]; i < end; i++)
        {
            nint n;
            do n = Libc.sendto(Fd, _txIov[i].Base, _txIov[i].Length, 0, null, 0);
            while (n < 0 && Libc.Errno == Libc.EINTR);
            if (n < 0) failed++;
        }
        return failed;
    }

    /// <summary>Drops whatever is queued (after a worker error).</summary>
    public void Reset() => _txIovCount = _txMsgCount = 0;

    /// <summary>Length of each received datagram (all segments of a GRO train together).</summary>
    public int[] Lengths { get; }

    /// <summary>
    /// Segment size of each received datagram: 0 when it is a single datagram, else every segment but the last has
    /// this size; -1 when it was truncated (counted by <see cref="Receive"/>, to be skipped).
    /// </summary>
    public int[] SegmentSizes { get; }

    public Span<byte> Datagram(int i) => new(_rxData + (long)i * ReceiveSlotSize, Lengths[i]);

    /// <summary>Receives what is pending without waiting; truncated datagrams are skipped (counted in <paramref name="truncated"/>).</summary>
    public int Receive(out int truncated)
    {
        truncated = 0;
        for (int i = 0; i < _rxCapacity; i++)
        {
            _rxIov[i].Base = _rxData + (long)i * ReceiveSlotSize;
            _rxIov[i].Length = ReceiveSlotSize;
            _rxMsgs[i].Header = new MsgHdr { Iov = &_rxIov[i], IovLength = 1, Control = _rxControl + i * ControlSize, ControlLength = ControlSize };
        }
        int n = Libc.recvmmsg(Fd, _rxMsgs, (uint)_rxCapacity, Libc.MSG_DONTWAIT, null);
        if (n < 0)
        {
            int errno = Libc.Errno;
            // ECONNREFUSED: an ICMP port unreachable from the peer, reported once on a connected socket.
            if (errno is Libc.EAGAIN or Libc.EINTR or Libc.ECONNREFUSED) return 0;
            throw new IOException($"recvmmsg(UDP) failed: errno {errno}");
        }
        for (int i = 0; i < n; i++)
        {
            ref var header = ref _rxMsgs[i].Header;
            if ((header.Flags & Libc.MSG_TRUNC) != 0) { truncated++; Lengths[i] = 0; SegmentSizes[i] = -1; continue; }
            Lengths[i] = (int)_rxMsgs[i].Length;
            SegmentSizes[i] = GroSegmentSize((byte*)header.Control, (int)header.ControlLength);
        }
        return n;
    }

    /// <summary>The UDP_GRO control message's segment size, or 0 when the datagram came alone.</summary>
    private static int GroSegmentSize(byte* control, int length)
    {
        int offset = 0;
        while (offset + CMsgDataOffset <= length)
        {
            var cmsg = (CMsgHdr*)(control + offset);
            int cmsgLength = (int)cmsg->Length;
            if (cmsgLength < CMsgDataOffset || offset + cmsgLength > length) break;
            if (cmsg->Level == Libc.SOL_UDP && cmsg->Type == Libc.UDP_GRO && cmsgLength >= CMsgDataOffset + sizeof(int))
                return *(int*)(control + offset + CMsgDataOffset);
            offset += (cmsgLength + 7) & ~7;
        }
        return 0;
    }

    public void Dispose()
    {
        Libc.close(Fd);
        NativeMemory.Free(_txIov);
        NativeMemory.Free(_txMsgs);
        NativeMemory.Free(_txControl);
        NativeMemory.AlignedFree(_rxData);
        NativeMemory.Free(_rxIov);
        NativeMemory.Free(_rxMsgs);
        NativeMemory.Free(_rxControl);
    }
}

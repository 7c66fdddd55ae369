using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;

namespace Appliance.Linux.Packets;

/// <summary>
/// User-space GRO for delivery to the LAN: consecutive IPv4 TCP segments of one flow (in-order
/// sequence numbers, same ACK, flags, window and options, as Linux's tcp_gro_receive demands) are
/// merged into one frame with a virtio_net_hdr asking for GSO (TCPv4, segment size = the first
/// segment's payload) and a partial checksum. Anything else becomes a plain frame. Frames are
/// laid out in a batch slot as [virtio_net_hdr 10][Ethernet 14][IPv4 ...]; no I/O here.
/// </summary>
internal sealed class TcpCoalescer
{
    private const int Link = VirtioNetHeader.Size + 14;
    private const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20;
    private readonly PacketBatch _batch;
    private readonly ulong _sourceMac;
    private int _open = -1;          // slot being merged into, -1 when none
    private int _segments, _mss, _headerLength;
    private uint _nextSeq;

    public TcpCoalescer(PacketBatch batch, ulong sourceMac)
    {
        _batch = batch;
        _sourceMac = sourceMac;
    }

    /// <summary>Frames merged away (saved) so far; for counters and tests.</summary>
    public long Merged { get; private set; }

    private long _reported;

    /// <summary>
    /// Frames merged away since the last call. (Merges are finished whenever the next frame starts, not only
    /// in <see cref="Send"/>: a before/after difference around Send saw only the last one of each batch.)
    /// </summary>
    public long TakeMerged()
    {
        long merged = Merged - _reported;
        _reported = Merged;
        return merged;
    }

    /// <summary>Every slot is taken: close and send the batch before the next <see cref="Add"/>.</summary>
    public bool NeedsFlush => _batch.Count == _batch.Capacity;

    /// <summary>Adds one IPv4 packet for the LAN host at <paramref name="destinationMac"/>. Caller flushes when <see cref="NeedsFlush"/>.</summary>
    public void Add(ReadOnlySpan<byte> packet, ulong destinationMac)
    {
        if (_open >= 0 && TryMerge(packet)) return;
        Close();
        if (_batch.Count == _batch.Capacity) throw new InvalidOperationException("coalescer batch full");
        int i = _batch.Add(0, Link + packet.Length);
        var slot = _batch.Slot(i);
        slot[..VirtioNetHeader.Size].Clear();
        LanInjector.WriteMac(slot[VirtioNetHeader.Size..], destinationMac);
        LanInjector.WriteMac(slot[(VirtioNetHeader.Size + 6)..], _sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(slot[(VirtioNetHeader.Size + 12)..], 0x0800);
        packet.CopyTo(slot[Link..]);
        if (Mergeable(packet, out int headerLength, out int payload) && (packet[33] & Psh) == 0)
        {
            _open = i;
            _segments = 1;
            _mss = payload;
            _headerLength = headerLength;
            _nextSeq = BinaryPrimitives.ReadUInt32BigEndian(packet[24..]) + (uint)payload;
        }
    }

    /// <summary>Finishes the frame being merged; call before sending the batch.</summary>
    public void Close()
    {
        if (_open < 0) return;
        if (_segments > 1)
        {
            var frame = _batch.Slot(_open)[.._batch.Length[_open]];
            var ip = frame[Link..];
            int total = ip.Length;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            InternetChecksum.WriteIPv4HeaderChecksum(ip);
            // Partial checksum: the field holds the folded pseudo-header sum; the receiver's stack
            // accepts CHECKSUM_PARTIAL as verified.
            ulong pseudo = InternetChecksum.PseudoHeaderIPv4(ip.Slice(12, 4), ip.Slice(16, 4), IpProtocol.Tcp, total - 20);
            BinaryPrimitives.WriteUInt16BigEndian(ip[36..], (ushort)~InternetChecksum.Finish(pseudo));
            frame[0] = VirtioNetHeader.NeedsChecksumFlag;
            frame[1] = VirtioNetHeader.GsoTcpV4;
            BinaryPrimitives.WriteUInt16LittleEndian(frame[2..], (ushort)(14 + _headerLength));
            BinaryPrimitives.WriteUInt16LittleEndian(frame[4..], (ushort)_mss);
            BinaryPrimitives.WriteUInt16LittleEndian(frame[6..], 14 + 20);
            BinaryPrimitives.WriteUInt16LittleEndian(frame[8..], 16);
            Merged += _segments - 1;
        }
        _open = -1;
    }

    /// <summary>Closes the open merge and sends every frame; returns how many the kernel refused.</summary>
    public int Send(int fd)
    {
        Close();
        return _batch.Count == 0 ? 0 : _batch.Send(fd, 0);
    }

    private bool TryMerge(ReadOnlySpan<byte> packet)
    {
        if (!Mergeable(packet, out int headerLength, out int payload) || headerLength != _headerLength || payload > _mss) return false;
        var frame = _batch.Slot(_open);
        int length = _batch.Length[_open];
        var open = frame[Link..length];
        if (length - Link + payload > 65535 || Link + length + payload > _batch.SlotSize) return false;
        // Same addresses, ports; in-order sequence; same ACK number, data offset, flags and window; same options.
        if (!packet.Slice(12, 8).SequenceEqual(open.Slice(12, 8)) || !packet.Slice(20, 4).SequenceEqual(open.Slice(20, 4))
            || BinaryPrimitives.ReadUInt32BigEndian(packet[24..]) != _nextSeq
            || !packet.Slice(28, 8).SequenceEqual(open.Slice(28, 8)) && !SameExceptPsh(packet.Slice(28, 8), open.Slice(28, 8))
            || !packet[40..headerLength].SequenceEqual(open[40..headerLength])
            || packet[1] != open[1] || packet[8] != open[8])
            return false;
        packet[headerLength..].CopyTo(frame[length..]);
        _batch.Length[_open] = length + payload;
        _segments++;
        _nextSeq += (uint)payload;
        if ((packet[33] & Psh) != 0) open[13 + 20] |= Psh;
        // A short segment or PSH ends the merge, as GRO does.
        if (payload < _mss || (packet[33] & Psh) != 0) Close();
        return true;
    }

    private static bool SameExceptPsh(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a[..5].SequenceEqual(b[..5]) && (a[5] & ~Psh) == (b[5] & ~Psh) && a[6..].SequenceEqual(b[6..]);

    /// <summary>IPv4 without options, not a fragment, TCP with payload and only ACK (and maybe PSH) set.</summary>
    private static bool Mergeable(ReadOnlySpan<byte> packet, out int headerLength, out int payload)
    {
        headerLength = payload = 0;
        if (packet.Length < 40 || packet[0] != 0x45 || packet[9] != IpProtocol.Tcp || IPv4Header.IsFragment(packet)) return false;
        int tcpLength = (packet[32] >> 4) * 4;
        if (tcpLength < 20 || 20 + tcpLength >= packet.Length) return false;
        byte flags = packet[33];
        if ((flags & (Fin | Syn | Rst | Urg)) != 0 || (flags & Ack) == 0) return false;
        headerLength = 20 + tcpLength;
        payload = packet.Length - headerLength;
        return true;
    }
}

using System.Buffers.Binary;

namespace Appliance.L2tp.L2tp;

/// <summary>
/// The L2TP header (RFC 2661 §3.1): flags and version, the optional Length, Tunnel ID and Session ID, the optional Ns/Nr
/// and the optional Offset Size and pad. Control messages must carry Length and sequence numbers and no offset (§3.1).
/// </summary>
internal readonly record struct L2tpHeader(bool IsControl, bool HasSequence, ushort TunnelId, ushort SessionId, ushort Ns, ushort Nr)
{
    public const ushort FlagType = 0x8000, FlagLength = 0x4000, FlagSequence = 0x0800, FlagOffset = 0x0200, FlagPriority = 0x0100;
    public const int Version = 2;
    public const int ControlHeaderSize = 12;

    /// <summary>
    /// Reads the header and finds the payload: the octets after the header (and the offset pad) up to Length when it is
    /// present. Every field is bounds-checked before it is read.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out L2tpHeader header, out Range payload, out L2tpDrop drop)
    {
        header = default;
        payload = default;
        drop = L2tpDrop.Malformed;
        if (datagram.Length < 6)
            return false;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        if ((flags & 0x000F) != Version)
        {
            // Version 1 is L2F and 3 is L2TPv3 (§3.1: such packets are silently discarded).
            drop = L2tpDrop.WrongVersion;
            return false;
        }
        bool control = (flags & FlagType) != 0, hasLength = (flags & FlagLength) != 0, sequence = (flags & FlagSequence) != 0,
            offset = (flags & FlagOffset) != 0;
        // §3.1: on control messages L and S must be 1 and O and P must be 0; the reserved x bits are ignored on input.
        if (control && (!hasLength || !sequence || offset || (flags & FlagPriority) != 0))
            return false;
        int at = 2, end = datagram.Length;
        if (hasLength)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
            if (length > datagram.Length)
                return false;
            end = length;
            at += 2;
        }
        int fixedSize = at + 4 + (sequence ? 4 : 0) + (offset ? 2 : 0);
        if (end < fixedSize)
            return false;
        ushort tunnel = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
        ushort session = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 2)..]);
        at += 4;
        ushort ns = 0, nr = 0;
        if (sequence)
        {
            ns = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
            nr = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 2)..]);
            at += 4;
        }
        if (offset)
        {
            int offsetSize = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
            at += 2;
            if (offsetSize > end - at)
                return false;
            at += offsetSize;
        }
        header = new L2tpHeader(control, sequence, tunnel, session, ns, nr);
        payload = at..end;
        drop = L2tpDrop.None;
        return true;
    }

    /// <summary>A control message: T, L and S set, then the AVPs (none for a ZLB acknowledgement, §5.8).</summary>
    public static byte[] EncodeControl(ushort tunnelId, ushort sessionId, ushort ns, ushort nr, ReadOnlySpan<byte> avps)
    {
        int length = ControlHeaderSize + avps.Length;
        if (length > ushort.MaxValue)
            throw new ArgumentException("control message longer than 65535 octets", nameof(avps));
        var b = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(b, FlagType | FlagLength | FlagSequence | Version);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), tunnelId);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), sessionId);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), ns);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), nr);
        avps.CopyTo(b.AsSpan(ControlHeaderSize));
        return b;
    }

    /// <summary>A data message (§3.1) without Length or offset; with Ns (Nr is reserved and 0) when the session sequences.</summary>
    public static byte[] EncodeData(ushort tunnelId, ushort sessionId, ushort? ns, ReadOnlySpan<byte> pppFrame)
    {
        int header = ns is null ? 6 : 10;
        var b = new byte[header + pppFrame.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)((ns is null ? 0 : FlagSequence) | Version));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), tunnelId);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), sessionId);
        if (ns is { } n)
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), n);
        pppFrame.CopyTo(b.AsSpan(header));
        return b;
    }
}

/// <summary>Why an input was dropped, for the counters.</summary>
internal enum L2tpDrop { None, Malformed, WrongVersion }

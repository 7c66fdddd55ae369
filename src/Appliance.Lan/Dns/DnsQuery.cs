using System.Buffers.Binary;
using System.Text;

namespace Appliance.Lan.Dns;

/// <summary>A validated standard query from a LAN client: its one question and how large a UDP answer it takes.</summary>
public sealed record DnsQuery(ushort Id, string Name, ushort Type, ushort Class, int QuestionEnd, int UdpPayloadSize, bool RecursionDesired)
{
    public const int MaxLength = 4096;

    /// <summary>RFC 1035's 512 bytes unless the query carries an EDNS OPT record (RFC 6891 §6.2.3) asking for more.</summary>
    public const int ClassicUdpSize = 512;

    public static bool TryParse(ReadOnlySpan<byte> m, out DnsQuery query, out DnsDrop drop)
    {
        query = null!;
        if (m.Length < DnsWire.HeaderLength) { drop = DnsDrop.Truncated; return false; }
        if (m.Length > MaxLength) { drop = DnsDrop.Oversized; return false; }
        if (DnsWire.IsResponse(m) || DnsWire.Opcode(m) != 0) { drop = DnsDrop.NotQuery; return false; }
        if (DnsWire.Count(m, 0) != 1) { drop = DnsDrop.BadQuestionCount; return false; }
        var name = new StringBuilder();
        int at = DnsWire.ReadName(m, DnsWire.HeaderLength, name);
        if (at < 0) { drop = at == -1 && LooksTruncated(m) ? DnsDrop.Truncated : DnsDrop.BadName; return false; }
        if (at + 4 > m.Length) { drop = DnsDrop.Truncated; return false; }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[at..]), cls = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]);
        int questionEnd = at + 4;
        if (!TryFindUdpSize(m, questionEnd, out int udpSize)) { drop = DnsDrop.Truncated; return false; }
        query = new DnsQuery(DnsWire.Id(m), name.ToString(), type, cls, questionEnd, udpSize, (m[2] & 0x01) != 0);
        drop = default;
        return true;
    }

    // A name that ran off the end (as opposed to a bad label or pointer) is a truncated message.
    private static bool LooksTruncated(ReadOnlySpan<byte> m)
    {
        int position = DnsWire.HeaderLength;
        while (position < m.Length && m[position] != 0 && (m[position] & 0xC0) == 0) position += 1 + m[position];
        return position >= m.Length;
    }

    // The answer, authority and additional sections of a query are walked to find EDNS's OPT (RFC 6891 §6.1.2).
    private static bool TryFindUdpSize(ReadOnlySpan<byte> m, int offset, out int size)
    {
        size = ClassicUdpSize;
        int records = DnsWire.Count(m, 1) + DnsWire.Count(m, 2) + DnsWire.Count(m, 3);
        for (int i = 0; i < records; i++)
        {
            offset = DnsWire.SkipName(m, offset);
            if (offset < 0 || offset + 10 > m.Length) return false;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[offset..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 2)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 8)..]);
            if (offset + 10 + rdLength > m.Length) return false;
            if (type == DnsWire.TypeOpt) size = Math.Clamp((int)cls, ClassicUdpSize, MaxLength);
            offset += 10 + rdLength;
        }
        return true;
    }

    /// <summary>A reply carrying only the question and an RCODE (SERVFAIL 2, REFUSED 5, FORMERR 1).</summary>
    public static byte[] ErrorReply(ReadOnlySpan<byte> query, int questionEnd, int rcode)
    {
        var reply = query[..questionEnd].ToArray();
        reply[2] = (byte)(0x80 | (query[2] & 0x79)); // QR, keep opcode and RD
        reply[3] = (byte)(0x80 | rcode);             // RA
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(4), 1);
        reply.AsSpan(6, 6).Clear();
        return reply;
    }
}

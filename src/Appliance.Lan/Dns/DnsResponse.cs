using System.Buffers.Binary;
using System.Text;

namespace Appliance.Lan.Dns;

/// <summary>
/// Checks an upstream's reply before it is passed on or cached: a response to our question (same name, type, class),
/// every record in bounds, and where each TTL sits so a cached copy can be aged (RFC 1035 §4.1.3).
/// </summary>
public static class DnsResponse
{
    public sealed record Inspection(int[] TtlOffsets, uint MinTtl, bool Cacheable);

    public static bool TryInspect(ReadOnlySpan<byte> m, DnsQuery query, out Inspection inspection)
    {
        inspection = null!;
        if (m.Length < DnsWire.HeaderLength || !DnsWire.IsResponse(m) || DnsWire.Count(m, 0) != 1) return false;
        var name = new StringBuilder();
        int at = DnsWire.ReadName(m, DnsWire.HeaderLength, name);
        if (at < 0 || at + 4 > m.Length || name.ToString() != query.Name ||
            BinaryPrimitives.ReadUInt16BigEndian(m[at..]) != query.Type || BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]) != query.Class)
            return false;
        at += 4;
        var ttls = new List<int>();
        uint minTtl = uint.MaxValue;
        int records = DnsWire.Count(m, 1) + DnsWire.Count(m, 2) + DnsWire.Count(m, 3);
        for (int i = 0; i < records; i++)
        {
            at = DnsWire.SkipName(m, at);
            if (at < 0 || at + 10 > m.Length) return false;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[at..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 8)..]);
            if (at + 10 + rdLength > m.Length) return false;
            // OPT's "TTL" holds EDNS flags, not a time.
            if (type != DnsWire.TypeOpt)
            {
                ttls.Add(at + 4);
                // RFC 2181 §8: a TTL with the top bit set is treated as zero.
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m[(at + 4)..]);
                minTtl = Math.Min(minTtl, ttl > int.MaxValue ? 0 : ttl);
            }
            at += 10 + rdLength;
        }
        int rcode = DnsWire.Rcode(m);
        // NOERROR and NXDOMAIN (negative caching, RFC 2308, by the SOA's TTL) with at least one timed record.
        bool cacheable = (rcode is 0 or 3) && !DnsWire.IsTruncated(m) && ttls.Count > 0 && minTtl > 0;
        inspection = new Inspection([.. ttls], minTtl == uint.MaxValue ? 0 : minTtl, cacheable);
        return true;
    }

    /// <summary>
    /// The addresses in the answer section (A and AAAA records of class IN, whatever their owner name: a CNAME chain's
    /// target names them), each with its TTL; empty when the message is malformed. At most <paramref name="max"/>.
    /// </summary>
    public static List<AnsweredAddress> AnswerAddresses(ReadOnlySpan<byte> m, int max = 64)
    {
        var found = new List<AnsweredAddress>();
        if (m.Length < DnsWire.HeaderLength || DnsWire.Count(m, 0) != 1) return found;
        int at = DnsWire.SkipName(m, DnsWire.HeaderLength);
        if (at < 0 || at + 4 > m.Length) return found;
        at += 4;
        int answers = DnsWire.Count(m, 1);
        for (int i = 0; i < answers && found.Count < max; i++)
        {
            at = DnsWire.SkipName(m, at);
            if (at < 0 || at + 10 > m.Length) return [];
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[at..]), cls = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m[(at + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 8)..]);
            at += 10;
            if (at + rdLength > m.Length) return [];
            if (cls == 1 && ((type == 1 && rdLength == 4) || (type == 28 && rdLength == 16)))
                found.Add(new AnsweredAddress(new System.Net.IPAddress(m.Slice(at, rdLength)), ttl > int.MaxValue ? 0 : ttl));
            at += rdLength;
        }
        return found;
    }
}

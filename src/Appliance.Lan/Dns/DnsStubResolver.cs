using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Appliance.Lan.Dns;

/// <summary>
/// IPv4 addresses of a host name from the box's own resolvers (resolv.conf: systemd-resolved's stub on the box), over
/// the DNS code the LAN forwarder already has. The service resolves HQ gateway names with it instead of getaddrinfo,
/// whose managed wrapper would add its weight to a binary that must stay under 8 MiB.
/// </summary>
public static class DnsStubResolver
{
    private const ushort TypeA = 1, ClassIn = 1;

    /// <summary>The A records for <paramref name="name"/>, asking each resolver in turn; empty when none answers with one.</summary>
    public static async Task<IReadOnlyList<IPAddress>> ResolveAsync(string name, IReadOnlyList<IPAddress> resolvers, IDnsTransport transport,
        CancellationToken cancel)
    {
        if (DnsName.Normalize(name) is not { Length: > 0 } normalized) return [];
        foreach (var resolver in resolvers)
        {
            byte[] query = Query(normalized, (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1));
            byte[]? answer = await transport.UdpAsync(new IPEndPoint(resolver, 53), query, cancel);
            if (answer is null) continue;
            if (DnsWire.IsTruncated(answer)) answer = await transport.TcpAsync(new IPEndPoint(resolver, 53), query, cancel);
            if (answer is not null && TryReadAddresses(answer, DnsWire.Id(query), out var addresses)) return addresses;
        }
        return [];
    }

    /// <summary>A recursive query for the name's A records (RFC 1035 §4.1).</summary>
    public static byte[] Query(string normalized, ushort id)
    {
        byte[] qname = DnsName.Encode(normalized);
        var m = new byte[12 + qname.Length + 4];
        BinaryPrimitives.WriteUInt16BigEndian(m, id);
        m[2] = 0x01; // RD
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), 1);
        qname.CopyTo(m, 12);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(12 + qname.Length), TypeA);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(14 + qname.Length), ClassIn);
        return m;
    }

    /// <summary>The A records of an answer to our query (CNAMEs on the way are skipped); false for another ID, an error or a malformed message.</summary>
    public static bool TryReadAddresses(ReadOnlySpan<byte> m, ushort id, out IReadOnlyList<IPAddress> addresses)
    {
        addresses = [];
        if (m.Length < 12 || DnsWire.Id(m) != id || !DnsWire.IsResponse(m) || DnsWire.Rcode(m) != 0) return false;
        int offset = 12;
        for (int q = DnsWire.Count(m, 0); q > 0; q--)
        {
            offset = DnsWire.SkipName(m, offset);
            if (offset < 0 || offset + 4 > m.Length) return false;
            offset += 4;
        }
        var found = new List<IPAddress>();
        for (int a = DnsWire.Count(m, 1); a > 0; a--)
        {
            offset = DnsWire.SkipName(m, offset);
            if (offset < 0 || offset + 10 > m.Length) return false;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[offset..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 2)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 8)..]);
            offset += 10;
            if (offset + length > m.Length) return false;
            // CNAMEs (and anything else) on the way are skipped: the resolver lists the A records they lead to.
            if (type == TypeA && @class == ClassIn && length == 4) found.Add(new IPAddress(m.Slice(offset, 4)));
            offset += length;
        }
        addresses = found;
        return true;
    }
}

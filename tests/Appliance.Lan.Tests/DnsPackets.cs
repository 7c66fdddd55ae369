using System.Buffers.Binary;
using System.Text;

namespace Appliance.Lan.Tests;

/// <summary>DNS messages built byte by byte as RFC 1035 §4.1 lays them out.</summary>
internal static class DnsPackets
{
    public static byte[] Name(string name)
    {
        var b = new List<byte>();
        foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries)) { b.Add((byte)label.Length); b.AddRange(Encoding.ASCII.GetBytes(label)); }
        b.Add(0);
        return [.. b];
    }

    public static byte[] Query(string name, ushort type = 1, ushort id = 0x4242, int? ednsSize = null)
    {
        var b = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, ednsSize is null ? (byte)0 : (byte)1 };
        b.AddRange(Name(name));
        b.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        if (ednsSize is { } size) b.AddRange([0, 0, 41, (byte)(size >> 8), (byte)size, 0, 0, 0, 0, 0, 0]);
        return [.. b];
    }

    /// <summary>An answer to <paramref name="query"/> with A records (owner names as pointers to the question) of the given TTLs.</summary>
    public static byte[] Answer(byte[] query, int rcode = 0, params uint[] ttls)
    {
        int questionEnd = 12 + Name(QuestionName(query)).Length + 4;
        var b = new List<byte>(query[..questionEnd]);
        b[2] = (byte)(0x80 | (query[2] & 0x01));
        b[3] = (byte)(0x80 | rcode);
        b[6] = 0; b[7] = (byte)ttls.Length; b[10] = 0; b[11] = 0;
        for (int i = 0; i < ttls.Length; i++)
        {
            b.AddRange([0xC0, 12, 0, 1, 0, 1]);
            var ttl = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(ttl, ttls[i]);
            b.AddRange(ttl);
            b.AddRange([0, 4, 10, 0, 0, (byte)(i + 1)]);
        }
        return [.. b];
    }

    public static string QuestionName(byte[] m)
    {
        var parts = new List<string>();
        int i = 12;
        while (m[i] != 0) { parts.Add(Encoding.ASCII.GetString(m, i + 1, m[i])); i += 1 + m[i]; }
        return string.Join('.', parts);
    }

    public static uint FirstTtl(byte[] m)
    {
        int i = 12 + Name(QuestionName(m)).Length + 4;
        return BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(i + 6));
    }
}

using System.Net;
using Appliance.Lan.Dns;

namespace Appliance.Lan.Tests;

public sealed class DnsStubResolverTests
{
    private static byte[] Answer(byte[] query, params byte[][] records)
    {
        var m = new List<byte>(query);
        m[2] = 0x81; m[3] = 0x80; // response, RD, RA, NOERROR
        m[7] = (byte)records.Length;
        foreach (var r in records) m.AddRange(r);
        return [.. m];
    }

    // Owner as a pointer to the question name (offset 12), then type, class, TTL, RDLENGTH, RDATA.
    private static byte[] Record(ushort type, byte[] data) =>
        [0xC0, 12, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 60, 0, (byte)data.Length, .. data];

    [Fact]
    public void Query_is_a_recursive_A_question()
    {
        byte[] q = DnsStubResolver.Query("vpn.hq.example", 0x1234);
        Assert.Equal([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0], q[..12]);
        Assert.Equal("\u0003vpn\u0002hq\u0007example\0"u8.ToArray(), q[12..^4]);
        Assert.Equal([0, 1, 0, 1], q[^4..]);
    }

    [Fact]
    public void Addresses_are_read_past_a_cname()
    {
        byte[] q = DnsStubResolver.Query("vpn.hq.example", 7);
        byte[] a = Answer(q, Record(5, [3, (byte)'g', (byte)'w', (byte)'1', 0xC0, 12]), Record(1, [198, 51, 100, 7]), Record(1, [198, 51, 100, 8]));
        Assert.True(DnsStubResolver.TryReadAddresses(a, 7, out var addresses));
        Assert.Equal([IPAddress.Parse("198.51.100.7"), IPAddress.Parse("198.51.100.8")], addresses);
    }

    [Fact]
    public void Another_id_an_error_or_a_cut_message_gives_nothing()
    {
        byte[] q = DnsStubResolver.Query("vpn.hq.example", 7);
        byte[] a = Answer(q, Record(1, [198, 51, 100, 7]));
        Assert.False(DnsStubResolver.TryReadAddresses(a, 8, out _));
        Assert.False(DnsStubResolver.TryReadAddresses(a[..^2], 7, out _));
        byte[] nx = (byte[])a.Clone();
        nx[3] = 0x83; // NXDOMAIN
        Assert.False(DnsStubResolver.TryReadAddresses(nx, 7, out _));
        byte[] loop = Answer(q, [0xC0, (byte)(q.Length), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]); // a pointer to itself
        Assert.False(DnsStubResolver.TryReadAddresses(loop, 7, out _));
    }
}

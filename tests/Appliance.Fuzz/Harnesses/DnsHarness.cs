using System.Buffers.Binary;
using System.Net;
using Appliance.Lan.Dns;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The LAN's DNS forwarder, both of its untrusted sides: a LAN client's query and the upstream's answer. Input:
/// [query length:2][query][answer]. The fake upstream answers with the fuzzer's bytes under the id the forwarder chose
/// (an on-path forger, or a broken resolver), over UDP and again over TCP when the answer says TC. The same query is
/// then asked again, so a cached answer is served (TTL rewrite, id, size fit) too.
/// </summary>
public sealed class DnsHarness : IHarness
{
    private static readonly DnsRoutes Routes = new([new DnsUpstream.Wan()],
        new Dictionary<string, IReadOnlyList<DnsUpstream>> { ["corp.example"] = [new DnsUpstream.Plain(new IPEndPoint(IPAddress.Parse("10.2.0.53"), 53))] });

    public string Name => "dns";
    public string Description => "DNS forwarder: client query parse, upstream answer inspection, cache, reply fitting";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        int queryLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input), input.Length - 2);
        byte[] query = input.Slice(2, queryLength).ToArray();
        byte[] answer = input[(2 + queryLength)..].ToArray();
        var forwarder = new DnsForwarder(Routes, new DnsCache(16, FixedTime.Instance), new Upstream(answer), new Resolvers());
        foreach (int maxReply in new[] { DnsQuery.ClassicUdpSize, DnsQuery.MaxLength })
        {
            byte[]? reply = forwarder.AnswerAsync(query, maxReply, CancellationToken.None).GetAwaiter().GetResult();
            if (reply is not null && reply.Length > maxReply)
                throw new FuzzFindingException($"a {reply.Length}-octet reply to a client that takes {maxReply}");
        }
    }

    public IEnumerable<byte[]> Seeds()
    {
        byte[] a = Query("www.example.com", 1, edns: false), aaaa = Query("corp.example", 28, edns: true);
        yield return [.. Length(a), .. a, .. Answer(a, [93, 184, 216, 34])];
        yield return [.. Length(aaaa), .. aaaa, .. Answer(aaaa, new byte[16])];
        yield return [.. Length(a), .. a];
    }

    private static byte[] Length(byte[] b) => [(byte)(b.Length >> 8), (byte)b.Length];

    /// <summary>A standard query (RFC 1035 §4.1), RD set, optionally with an EDNS OPT record of 4096 (RFC 6891).</summary>
    private static byte[] Query(string name, ushort type, bool edns)
    {
        var q = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, edns ? (byte)1 : (byte)0 };
        foreach (string label in name.Split('.'))
        {
            q.Add((byte)label.Length);
            q.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        q.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        if (edns) q.AddRange([0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
        return [.. q];
    }

    /// <summary>The query turned into a response with one answer record pointing back at the question's name.</summary>
    private static byte[] Answer(byte[] query, byte[] rdata)
    {
        byte[] r = (byte[])query.Clone();
        r[2] = 0x81; r[3] = 0x80; // QR, RD, RA
        r[7] = 1;                 // ANCOUNT
        r[11] = 0;                // no OPT in this answer
        int questionEnd = 12;
        while (r[questionEnd] != 0) questionEnd += r[questionEnd] + 1;
        questionEnd += 5;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(questionEnd - 4));
        return [.. r.AsSpan(0, questionEnd), 0xc0, 12, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0x0e, 0x10, 0, (byte)rdata.Length, .. rdata];
    }

    private sealed class Upstream(byte[] answer) : IDnsTransport
    {
        public Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, CancellationToken cancel) => Task.FromResult(Reply(query));
        public Task<byte[]?> TcpAsync(IPEndPoint server, byte[] query, CancellationToken cancel) => Task.FromResult(Reply(query));
        public Task<byte[]?> TlsAsync(IPEndPoint server, string name, byte[] query, CancellationToken cancel) => Task.FromResult(Reply(query));

        private byte[]? Reply(byte[] query)
        {
            if (answer.Length == 0) return null; // silence: the forwarder times out to SERVFAIL
            byte[] reply = (byte[])answer.Clone();
            if (reply.Length >= 2 && query.Length >= 2) query.AsSpan(0, 2).CopyTo(reply);
            return reply;
        }
    }

    private sealed class Resolvers : IDnsUpstreamSource
    {
        public IReadOnlyList<IPAddress> WanResolvers() => [IPAddress.Parse("198.51.100.53")];
        public IReadOnlyList<IPAddress> HqResolvers() => [IPAddress.Parse("10.2.0.53")];
    }
}

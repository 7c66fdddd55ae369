using System.Buffers.Binary;
using System.Net;
using Appliance.Ike;
using Appliance.L2tp.Ppp;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.L2tp.Tests;

/// <summary>A deterministic random source: a counter stream, so IDs, magic numbers and challenges repeat run to run.</summary>
internal sealed class CountingRandom(byte seed = 1) : IIkeRandom
{
    private byte _next = seed;
    public Queue<byte[]> Scripted { get; } = new();

    public void Fill(Span<byte> buffer)
    {
        if (Scripted.TryPeek(out byte[]? s) && s.Length == buffer.Length)
        {
            Scripted.Dequeue().CopyTo(buffer);
            return;
        }
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = _next++ == 0 ? _next++ : (byte)(_next - 1);
    }
}

/// <summary>
/// The LNS and its LACs on an in-memory network; <see cref="Pump"/> moves datagrams both ways until both sides are quiet.
/// <see cref="ToServer"/> and <see cref="ToClient"/> may drop, duplicate or hold datagrams (they return what to deliver).
/// </summary>
internal sealed class Harness
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    public EapUserStore Users { get; } = new();
    public VirtualIpPoolAddresses Pool { get; }
    public CountingRandom Random { get; } = new();
    public L2tpServer Server { get; }
    public List<TestLac> Clients { get; } = [];
    public List<L2tpEvent> Events { get; } = [];
    public List<L2tpIpPacket> IpFromClients { get; } = [];
    public Func<byte[], IEnumerable<byte[]>> ToServer { get; set; } = d => [d];
    public Func<byte[], IEnumerable<byte[]>> ToClient { get; set; } = d => [d];

    public static readonly IPAddress Dns1 = IPAddress.Parse("192.168.1.1"), Dns2 = IPAddress.Parse("192.168.1.2");

    public Harness(string pool = "10.20.0.0/24", Func<L2tpServerOptions, L2tpServerOptions>? options = null)
    {
        Users.AddPassword("alice", "alicePass1");
        Users.AddPassword("bob", "bobPass22");
        Pool = new VirtualIpPoolAddresses(IPNetwork.Parse(pool));
        var o = new L2tpServerOptions { Ppp = new PppOptions { ServerAddress = Pool.ServerAddress, PrimaryDns = Dns1, SecondaryDns = Dns2 } };
        Server = new L2tpServer(Time, Users, Pool, options?.Invoke(o) ?? o, Random);
    }

    public TestLac AddClient(string user = "alice", string password = "alicePass1", int port = 1701, ushort tunnelId = 0x1111)
    {
        var lac = new TestLac(new IPEndPoint(IPAddress.Parse($"198.51.100.{10 + Clients.Count}"), port), user, password, tunnelId);
        Clients.Add(lac);
        return lac;
    }

    public void Pump(int rounds = 200)
    {
        for (int i = 0; i < rounds; i++)
        {
            bool moved = false;
            foreach (TestLac lac in Clients)
                while (lac.Outbox.TryDequeue(out byte[]? d))
                {
                    moved = true;
                    foreach (byte[] x in ToServer(d))
                        Server.HandleDatagram(lac.Endpoint, x);
                }
            while (Server.TryDequeueOutgoing(out L2tpDatagram? d))
            {
                moved = true;
                TestLac lac = Clients.Single(c => c.Endpoint.Equals(d.Peer));
                foreach (byte[] x in ToClient(d.Payload))
                    lac.Receive(x);
            }
            while (Server.TryDequeueEvent(out L2tpEvent? e)) Events.Add(e);
            while (Server.TryDequeueIpPacket(out L2tpIpPacket? p)) IpFromClients.Add(p);
            if (!moved) return;
        }
        throw new InvalidOperationException("the exchange did not settle");
    }

    /// <summary>Advances the fake clock in steps, running the server's timers and the network after each.</summary>
    public void Advance(TimeSpan total, TimeSpan? step = null)
    {
        TimeSpan s = step ?? TimeSpan.FromMilliseconds(500);
        for (TimeSpan t = TimeSpan.Zero; t < total; t += s)
        {
            Time.Advance(s);
            Server.Tick();
            Pump();
        }
    }

    public TestLac Connect(string user = "alice", string password = "alicePass1", ushort tunnelId = 0x1111)
    {
        TestLac lac = AddClient(user, password, tunnelId: tunnelId);
        lac.StartTunnel();
        Pump();
        lac.StartSession();
        Pump();
        return lac;
    }

    /// <summary>A minimal IPv4/UDP packet (checksum not needed by the L2TP layer).</summary>
    public static byte[] Ipv4(IPAddress source, IPAddress destination, byte[] payload)
    {
        var p = new byte[28 + payload.Length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[8] = 64;
        p[9] = 17;
        source.GetAddressBytes().CopyTo(p, 12);
        destination.GetAddressBytes().CopyTo(p, 16);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(p, 28);
        return p;
    }
}

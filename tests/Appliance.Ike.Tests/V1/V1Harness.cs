using System.Net;
using Appliance.Ike.V1;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Ike.Tests.V1;

/// <summary>Deterministic randomness for the responder.</summary>
internal sealed class V1SeededRandom(int seed) : IIkeRandom
{
    private readonly Random _random = new(seed);
    public void Fill(Span<byte> buffer) => _random.NextBytes(buffer);
}

/// <summary>The responder on 198.51.100.1 (ports 500/4500) and in-memory clients, optionally behind a NAT.</summary>
internal sealed class V1Harness
{
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.51.100.1");
    public static readonly IPEndPoint Server500 = new(ServerAddress, 500);
    public static readonly IPEndPoint Server4500 = new(ServerAddress, 4500);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    public IkeV1Responder Responder { get; }
    public List<IkeEvent> Events { get; } = [];
    public List<OutgoingDatagram> Sent { get; } = [];

    public V1Harness(IkeV1ResponderOptions? options = null, int seed = 7)
    {
        Responder = new IkeV1Responder(options ?? new IkeV1ResponderOptions
        {
            PreSharedKey = "correct horse battery staple"u8.ToArray(),
        }, Time, new V1SeededRandom(seed));
    }

    public List<OutgoingDatagram> Deliver(IPEndPoint from, IPEndPoint to, byte[] message)
    {
        Responder.HandleDatagram(to, from, message);
        return Drain();
    }

    public List<OutgoingDatagram> Drain()
    {
        var list = new List<OutgoingDatagram>();
        while (Responder.TryDequeueOutgoing(out OutgoingDatagram d))
            list.Add(d);
        Sent.AddRange(list);
        while (Responder.TryDequeueEvent(out IkeEvent e))
            Events.Add(e);
        return list;
    }

    public List<OutgoingDatagram> Tick()
    {
        Responder.Tick();
        return Drain();
    }

    public T Single<T>() where T : IkeEvent => Assert.Single(Events.OfType<T>());

    public V1Client Client(int seed, bool nat, string psk = "correct horse battery staple", int hostByte = 10)
    {
        IPEndPoint own = nat ? new IPEndPoint(IPAddress.Parse($"10.0.0.{hostByte}"), 500) : new IPEndPoint(IPAddress.Parse($"192.0.2.{hostByte}"), 500);
        var initiator = new TestInitiator(seed, own, Server500, psk);
        return new V1Client(this, initiator, nat, hostByte);
    }
}

/// <summary>A client: behind a NAT its 500 and 4500 map to 203.0.113.7:41000+n and :42000+n; it floats to 4500 after MM4.</summary>
internal sealed class V1Client
{
    private readonly V1Harness _harness;
    public TestInitiator I { get; }
    public bool Nat { get; }
    public bool Floated { get; set; }
    public IPEndPoint Seen500 { get; }
    public IPEndPoint Seen4500 { get; }

    public V1Client(V1Harness harness, TestInitiator initiator, bool nat, int n)
    {
        _harness = harness;
        I = initiator;
        Nat = nat;
        IPAddress pub = nat ? IPAddress.Parse("203.0.113.7") : initiator.Own.Address;
        Seen500 = new IPEndPoint(pub, nat ? 41000 + n : 500);
        Seen4500 = new IPEndPoint(pub, nat ? 42000 + n : 4500);
    }

    public IPEndPoint SeenNow => Floated ? Seen4500 : Seen500;
    public IPEndPoint ServerNow => Floated ? V1Harness.Server4500 : V1Harness.Server500;

    public List<byte[]> Send(byte[] message)
    {
        List<OutgoingDatagram> sent = _harness.Deliver(SeenNow, ServerNow, message);
        foreach (OutgoingDatagram d in sent)
        {
            Assert.Equal(SeenNow, d.Remote);
            Assert.Equal(ServerNow, d.Local);
        }
        return sent.Select(d => d.Payload).ToList();
    }

    /// <summary>MM1-MM6, floating to 4500 before MM5 when behind the NAT (RFC 3947 §4).</summary>
    public bool MainMode()
    {
        I.ReadMm2(Send(I.Mm1()).Single());
        I.ReadMm4(Send(I.Mm3()).Single());
        if (Nat)
        {
            Floated = true;
            I.Own = new IPEndPoint(I.Own.Address, 4500);
        }
        List<byte[]> mm6 = Send(I.Mm5());
        return mm6.Count == 1 && I.ReadMm6(mm6[0]);
    }

    /// <summary>QM1-QM3; returns QM2's payloads.</summary>
    public bool QuickMode()
    {
        List<byte[]> qm2 = Send(I.Qm1(natOa: Nat));
        if (qm2.Count != 1 || qm2[0][18] != 32)
            return false;
        Assert.True(I.ReadQm2(qm2[0]));
        Assert.Empty(Send(I.Qm3()));
        return true;
    }
}

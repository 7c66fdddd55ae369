using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Ike.Tests.Engine;

/// <summary>Deterministic randomness: the same seed gives the same SPIs, nonces and DH keys.</summary>
internal sealed class SeededRandom(int seed) : IIkeRandom
{
    private readonly Random _random = new(seed);
    public void Fill(Span<byte> buffer) => _random.NextBytes(buffer);
}

/// <summary>
/// Two engines joined by an in-memory link. <see cref="Drop"/> decides per datagram (with its running
/// index) whether the link loses it; every delivered datagram is recorded for the fuzz tests.
/// </summary>
internal sealed class TestPeers
{
    public static readonly IPAddress AddressA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("198.51.100.2");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    public IkeEngine A { get; }
    public IkeEngine B { get; private set; }
    public List<IkeEvent> EventsA { get; } = [];
    public List<IkeEvent> EventsB { get; } = [];
    public List<(bool FromA, OutgoingDatagram Datagram)> Delivered { get; } = [];
    public Func<int, bool, OutgoingDatagram, bool>? Drop { get; set; }
    /// <summary>When set, A sits behind a NAT with this public address; its ports map to port + 40000.</summary>
    public IPAddress? NatPublicAddress { get; set; }
    private int _sent;

    public TestPeers(IkeEngineOptions? optionsA = null, IkeEngineOptions? optionsB = null, int seed = 1)
    {
        A = new IkeEngine(Time, new SeededRandom(seed), options: optionsA);
        B = new IkeEngine(Time, new SeededRandom(seed + 1000), options: optionsB);
    }

    public static IkeTunnelConfig Config(string name, IPAddress local, IPAddress? remote, string localId, string remoteId,
        string psk = "correct horse battery staple", string localTs = "10.1.0.0/16", string remoteTs = "10.2.0.0/16",
        string ike = "aes256gcm16-prfsha256-curve25519", string esp = "aes256gcm16", bool forceEncap = false,
        IpsecMode mode = IpsecMode.Tunnel) =>
        new(name, local, remote, IkeIdentity.Parse(localId), IkeIdentity.Parse(remoteId), System.Text.Encoding.UTF8.GetBytes(psk),
            localTs.Split(',').Select(TrafficSelector.Parse).ToList(), remoteTs.Split(',').Select(TrafficSelector.Parse).ToList(),
            ike.Split(',').ToList(), esp.Split(',').ToList(), StartAction.None, mode, forceEncap);

    /// <summary>The usual pair: A initiates towards B, mirrored selectors and identities.</summary>
    public static TestPeers Standard(string ike = "aes256gcm16-prfsha256-curve25519", string esp = "aes256gcm16",
        string? ikeB = null, string? espB = null, string pskB = "correct horse battery staple",
        IkeEngineOptions? optionsB = null, bool forceEncap = false)
    {
        var peers = new TestPeers(optionsB: optionsB);
        peers.A.AddTunnel(Config("to-b", AddressA, AddressB, "a.example.com", "b.example.com", ike: ike, esp: esp, forceEncap: forceEncap));
        peers.B.AddTunnel(Config("to-a", AddressB, null, "b.example.com", "a.example.com", psk: pskB,
            localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16", ike: ikeB ?? ike, esp: espB ?? esp));
        return peers;
    }

    /// <summary>B loses all state, as after a power cut: a fresh engine (no tunnels yet) with other randomness.</summary>
    public void RebootB(IkeEngineOptions? options = null)
    {
        Collect();
        B = new IkeEngine(Time, new SeededRandom(Environment.TickCount), options: options);
        EventsB.Clear();
    }

    /// <summary>
    /// A with a mirrored B that may also initiate (both have the other's address), the first Child SA established;
    /// <paramref name="configureA"/> adjusts A's tunnel (lifetimes, ...).
    /// </summary>
    public static TestPeers Mirrored(IkeEngineOptions? a, IkeEngineOptions? b, int seed = 1, string esp = "aes256gcm16",
        Func<IkeTunnelConfig, IkeTunnelConfig>? configureA = null)
    {
        var peers = new TestPeers(a, b, seed);
        IkeTunnelConfig toB = Config("to-b", AddressA, AddressB, "a.example.com", "b.example.com", esp: esp);
        peers.A.AddTunnel(configureA?.Invoke(toB) ?? toB);
        peers.B.AddTunnel(Config("to-a", AddressB, AddressA, "b.example.com", "a.example.com", localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16", esp: esp));
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.Single<ChildSaEstablished>(peers.EventsB);
        return peers;
    }

    /// <summary>Moves datagrams both ways until the link is idle.</summary>
    public void Pump(int maxRounds = 100)
    {
        for (int round = 0; round < maxRounds; round++)
        {
            bool moved = Move(A, B, true) | Move(B, A, false);
            Collect();
            if (!moved)
                return;
        }
        throw new InvalidOperationException("link never went idle");
    }

    private bool Move(IkeEngine from, IkeEngine to, bool fromA)
    {
        bool any = false;
        while (from.TryDequeueOutgoing(out OutgoingDatagram d))
        {
            any = true;
            int index = _sent++;
            if (Drop?.Invoke(index, fromA, d) == true)
                continue;
            Delivered.Add((fromA, d));
            if (NatPublicAddress is null)
                to.HandleDatagram(d.Remote, d.Local, d.Payload); // no NAT: the receiver sees the endpoints swapped
            else if (fromA)
                to.HandleDatagram(d.Remote, new IPEndPoint(NatPublicAddress, d.Local.Port + 40000), d.Payload);
            else if (d.Remote.Address.Equals(NatPublicAddress) && d.Remote.Port > 40000)
                to.HandleDatagram(new IPEndPoint(AddressA, d.Remote.Port - 40000), d.Local, d.Payload);
        }
        return any;
    }

    public void Collect()
    {
        while (A.TryDequeueEvent(out IkeEvent e)) EventsA.Add(e);
        while (B.TryDequeueEvent(out IkeEvent e)) EventsB.Add(e);
    }

    /// <summary>Advances the fake clock, runs both engines' timers and pumps.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        A.Tick();
        B.Tick();
        Pump();
    }

    public T Single<T>(List<IkeEvent> events) where T : IkeEvent => Assert.Single(events.OfType<T>());
}

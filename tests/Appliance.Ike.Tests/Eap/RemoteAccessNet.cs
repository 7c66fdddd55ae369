using System.Net;
using Appliance.Ike.Eap;
using Appliance.Ike.Tests.Certificates;
using Appliance.Ike.Tests.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Ike.Tests.Eap;

/// <summary>Collects log lines so tests can check what is (and is never) logged.</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add(formatter(state, exception));
}

/// <summary>
/// One box (the remote-access responder) and any number of EAP clients at their own addresses, joined in memory.
/// <see cref="Drop"/> loses datagrams (by running index, direction and client address).
/// </summary>
internal sealed class RemoteAccessNet : IDisposable
{
    public static readonly IPAddress BoxAddress = IPAddress.Parse("203.0.113.1");
    public const string BoxId = "vpn.example.com";

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    public TestPki Pki { get; }
    public IkeEngine Box { get; }
    public ListLogger BoxLog { get; } = new();
    public EapUserStore Users { get; } = new();
    public List<IkeEvent> BoxEvents { get; } = [];
    public List<Client> Clients { get; } = [];
    public Func<int, bool, IPAddress, bool>? Drop { get; set; }
    private int _sent;

    public sealed record Client(string Name, IkeEngine Engine, IPAddress Address, List<IkeEvent> Events);

    public RemoteAccessNet(string pool4 = "10.99.0.0/24", string? pool6 = null, IkeEngineOptions? boxOptions = null,
        int maxFailures = 5, TimeSpan? lockOut = null, IReadOnlyList<string>? boxIke = null, IReadOnlyList<string>? boxEsp = null)
    {
        Pki = new TestPki("Office CA", Time.GetUtcNow());
        Box = new IkeEngine(Time, new SeededRandom(77), BoxLog, boxOptions);
        Users.AddPassword("alice", "alice's long passphrase");
        Users.AddPassword("bob", "bob's long passphrase");
        Users.AddNtHash("carol", MsChapV2.NtPasswordHash("carol's long passphrase"));
        var ra = new RemoteAccessConfig(IPNetwork.Parse(pool4), pool6 is null ? null : IPNetwork.Parse(pool6),
            [IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00:1::1")], ["office.example", "corp.example"], Users)
        {
            MaxFailures = maxFailures,
            LockOut = lockOut ?? TimeSpan.FromMinutes(5),
        };
        Box.AddTunnel(TestPeers.Config("roadwarriors", BoxAddress, null, BoxId, "%any", psk: "", localTs: "192.168.1.0/24",
            remoteTs: pool4) with
        {
            Certificate = Pki.Credential("p256", BoxId), RemoteAccess = ra,
            IkeProposals = boxIke ?? ["aes256gcm16-prfsha256-curve25519"], EspProposals = boxEsp ?? ["aes256gcm16"],
        });
    }

    public Client AddClient(string user, string password, bool ip6 = false, string? address = null,
        string ike = "aes256gcm16-prfsha256-curve25519", string esp = "aes256gcm16")
    {
        var ip = IPAddress.Parse(address ?? $"198.51.100.{10 + Clients.Count}");
        var engine = new IkeEngine(Time, new SeededRandom(100 + Clients.Count));
        engine.AddTunnel(TestPeers.Config("office", ip, BoxAddress, $"{user}@example.com", BoxId, psk: "",
                localTs: "0.0.0.0/0", remoteTs: "192.168.1.0/24", ike: ike, esp: esp)
            with
            {
                Certificate = Pki.Credential("p256", $"client{Clients.Count}.example.com"),
                EapClient = new EapClientConfig(user, MsChapV2.NtPasswordHash(password), RequestIp4: true, RequestIp6: ip6),
            });
        var client = new Client(user, engine, ip, []);
        Clients.Add(client);
        return client;
    }

    public void Connect(Client client)
    {
        client.Engine.Initiate("office");
        Pump();
    }

    public void Pump(int maxRounds = 200)
    {
        for (int round = 0; round < maxRounds; round++)
        {
            bool moved = false;
            foreach (Client c in Clients)
            {
                while (c.Engine.TryDequeueOutgoing(out OutgoingDatagram d))
                {
                    moved = true;
                    if (Drop?.Invoke(_sent++, true, c.Address) == true) continue;
                    Box.HandleDatagram(d.Remote, d.Local, d.Payload);
                }
            }
            while (Box.TryDequeueOutgoing(out OutgoingDatagram d))
            {
                moved = true;
                if (Drop?.Invoke(_sent++, false, d.Remote.Address) == true) continue;
                Clients.FirstOrDefault(c => c.Address.Equals(d.Remote.Address))?.Engine.HandleDatagram(d.Remote, d.Local, d.Payload);
            }
            Collect();
            if (!moved) return;
        }
        throw new InvalidOperationException("link never went idle");
    }

    public void Collect()
    {
        while (Box.TryDequeueEvent(out IkeEvent e)) BoxEvents.Add(e);
        foreach (Client c in Clients)
            while (c.Engine.TryDequeueEvent(out IkeEvent e)) c.Events.Add(e);
    }

    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Box.Tick();
        foreach (Client c in Clients) c.Engine.Tick();
        Pump();
    }

    public void Dispose() => Pki.Dispose();
}

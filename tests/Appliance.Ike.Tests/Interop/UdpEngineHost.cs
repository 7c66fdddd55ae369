using System.Net;
using System.Net.Sockets;

namespace Appliance.Ike.Tests.Interop;

/// <summary>
/// Test-only UDP runner: an <see cref="IkeEngine"/> on real sockets (UDP 500 and 4500 with the RFC 3948 non-ESP
/// marker) inside the engine namespace, pumped synchronously by the test.
/// </summary>
internal sealed class UdpEngineHost : IDisposable
{
    private readonly Socket _ike;
    private readonly Socket _natt;
    private readonly byte[] _buffer = new byte[65536];

    public UdpEngineHost(CharonPeer peer, IkeTunnelConfig config, IkeEngineOptions? options = null)
    {
        Engine = new IkeEngine(TimeProvider.System, options: options);
        Engine.AddTunnel(config);
        IPAddress local = IPAddress.Parse(CharonPeer.EngineAddress);
        (_ike, _natt) = NetworkNamespace.CreateIn(peer.EngineNs, () => (Bind(local, 500), Bind(local, 4500)));
    }

    public IkeEngine Engine { get; }
    public List<IkeEvent> Events { get; } = [];

    private static Socket Bind(IPAddress address, int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(address, port));
        return s;
    }

    /// <summary>Pumps sockets, timers and queues until <paramref name="done"/> holds or the timeout passes.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            Flush();
            if (done())
                return true;
            var readable = new List<Socket> { _ike, _natt };
            Socket.Select(readable, null, null, 100_000);
            foreach (Socket s in readable)
                Receive(s);
            Engine.Tick();
        }
        Flush();
        return done();
    }

    private void Receive(Socket s)
    {
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = s.ReceiveFrom(_buffer, ref from);
        var local = (IPEndPoint)s.LocalEndPoint!;
        ReadOnlySpan<byte> message = _buffer.AsSpan(0, n);
        if (local.Port == 4500)
        {
            // RFC 3948 §2.2: IKE on 4500 starts with four zero octets; anything else is ESP for the data path.
            if (n < 4 || message[..4].IndexOfAnyExcept((byte)0) >= 0)
                return;
            message = message[4..];
        }
        Engine.HandleDatagram(local, (IPEndPoint)from, message);
    }

    private void Flush()
    {
        while (Engine.TryDequeueOutgoing(out OutgoingDatagram d))
        {
            if (d.Local.Port == 4500)
                _natt.SendTo([0, 0, 0, 0, .. d.Payload], d.Remote);
            else
                _ike.SendTo(d.Payload, d.Remote);
        }
        while (Engine.TryDequeueEvent(out IkeEvent e))
            Events.Add(e);
    }

    public void Dispose()
    {
        _ike.Dispose();
        _natt.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Appliance.Ipsec.Esp;

namespace Appliance.Linux.Tests.Harness;

/// <summary>
/// Plays the host's part for ESP-in-UDP (RFC 3948): owns a UDP 4500 socket inside a box's namespace,
/// hands arriving ESP to the data plane and sends the data plane's ESP (and keepalives) from it.
/// With <c>share</c> the socket has SO_REUSEPORT, as the service's IKE socket does, so the data plane opens its own
/// connected sockets to each peer (UDP GSO/GRO) and hands the IKE messages arriving there back to this host.
/// </summary>
internal sealed class Udp4500Host : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private volatile bool _stopping;

    public Udp4500Host(string ns, IPAddress local, DataPlane dataPlane, bool share = false)
    {
        _socket = NetNs.Run(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            if (share) s.SetRawSocketOption(1 /* SOL_SOCKET */, 15 /* SO_REUSEPORT */, BitConverter.GetBytes(1));
            s.Bind(new IPEndPoint(local, UdpEncapsulation.Port));
            s.ReceiveTimeout = 200;
            return s;
        });
        var localEndPoint = new IPEndPoint(local, UdpEncapsulation.Port);
        dataPlane.SendEspInUdp = (payload, remote) =>
        {
            if (payload.Length == 1) Interlocked.Increment(ref _keepalivesSent);
            else Interlocked.Increment(ref _espSent);
            return _socket.SendTo(payload.Span, SocketFlags.None, remote) == payload.Length;
        };
        dataPlane.NatTraversalIkeReceived = (l, r, message) =>
        {
            lock (IkeReceived) IkeReceived.Add((l, r, message.ToArray()));
        };
        _receiver = new Thread(() =>
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!_stopping)
            {
                int n;
                try { n = _socket.ReceiveFrom(buffer, ref from); }
                catch (SocketException) { continue; }
                var kind = UdpEncapsulation.Classify(buffer.AsSpan(0, n));
                if (kind == UdpEncapsulatedKind.Esp) dataPlane.DeliverEspInUdp(localEndPoint, (IPEndPoint)from, buffer.AsSpan(0, n));
                else if (kind == UdpEncapsulatedKind.Ike) Interlocked.Increment(ref _ikeOnOwnSocket);
            }
        }) { IsBackground = true };
        _receiver.Start();
    }

    private long _keepalivesSent, _espSent, _ikeOnOwnSocket;

    /// <summary>ESP packets the data plane sent through this host's socket (the one-at-a-time path).</summary>
    public long EspSent => Interlocked.Read(ref _espSent);

    /// <summary>IKE messages the data plane handed over (local, remote, message without the marker).</summary>
    public List<(IPEndPoint Local, IPEndPoint Remote, byte[] Message)> IkeReceived { get; } = new();

    /// <summary>IKE messages that arrived on this host's own socket.</summary>
    public long IkeOnOwnSocket => Interlocked.Read(ref _ikeOnOwnSocket);

    /// <summary>Sends a datagram from the host's 4500 socket (as IKE, a keepalive or a replay would go).</summary>
    public void Send(ReadOnlySpan<byte> payload, IPEndPoint remote) => _socket.SendTo(payload, SocketFlags.None, remote);
    public long KeepalivesSent => Interlocked.Read(ref _keepalivesSent);

    public void Dispose()
    {
        _stopping = true;
        _receiver.Join();
        _socket.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Appliance.Ipsec.Esp;

namespace Appliance.Linux.Tests.Harness;

/// <summary>
/// Plays the host's part for ESP-in-UDP (RFC 3948): owns a UDP 4500 socket inside a box's namespace,
/// hands arriving ESP to the data plane and sends the data plane's ESP (and keepalives) from it.
/// </summary>
internal sealed class Udp4500Host : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private volatile bool _stopping;

    public Udp4500Host(string ns, IPAddress local, DataPlane dataPlane)
    {
        _socket = NetNs.Run(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(local, UdpEncapsulation.Port));
            s.ReceiveTimeout = 200;
            return s;
        });
        var localEndPoint = new IPEndPoint(local, UdpEncapsulation.Port);
        dataPlane.SendEspInUdp = (payload, remote) =>
        {
            if (payload.Length == 1) Interlocked.Increment(ref _keepalivesSent);
            return _socket.SendTo(payload.Span, SocketFlags.None, remote) == payload.Length;
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
                if (UdpEncapsulation.Classify(buffer.AsSpan(0, n)) == UdpEncapsulatedKind.Esp)
                    dataPlane.DeliverEspInUdp(localEndPoint, (IPEndPoint)from, buffer.AsSpan(0, n));
            }
        }) { IsBackground = true };
        _receiver.Start();
    }

    private long _keepalivesSent;
    public long KeepalivesSent => Interlocked.Read(ref _keepalivesSent);

    public void Dispose()
    {
        _stopping = true;
        _receiver.Join();
        _socket.Dispose();
    }
}

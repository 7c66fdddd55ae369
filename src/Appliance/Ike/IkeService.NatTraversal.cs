using System.Net;
using System.Net.Sockets;

namespace Appliance.Ike;

/// <summary>
/// Port 4500 is shared with the data plane (RFC 3948: IKE and ESP-in-UDP on one port). The data plane binds its
/// own socket per UDP-encapsulated peer to the same local endpoint and connects it to the peer, to send ESP in
/// UDP GSO trains and receive them with UDP GRO; the kernel then hands that socket everything from the peer,
/// so the IKE messages among it come back here. Datagrams from other peers still arrive on our socket.
/// </summary>
public sealed partial class IkeService
{
    private const int SolSocket = 1, SoReusePort = 15;

    /// <summary>
    /// SO_REUSEPORT before bind: the data plane's sockets may bind the same endpoint. It is limited to sockets of
    /// the same user, so no other account can take the port over.
    /// </summary>
    private static void ShareWithDataPlane(Socket socket) =>
        socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));

    /// <summary>An IKE message (non-ESP marker removed) that arrived on one of the data plane's 4500 sockets.</summary>
    public void ReceiveFromDataPlane(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> message)
    {
        if (_stop.IsCancellationRequested) return;
        lock (_gate)
        {
            if (HandleIkeV1(local, remote, message)) return;
            _engine.HandleDatagram(local, remote, message);
            Flush();
        }
    }
}

using System.Net;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.L2tp;

/// <summary>The LNS states of an incoming call (RFC 2661 §7.4.2).</summary>
internal enum SessionState { WaitConnect, Established, Closed }

/// <summary>One session (an incoming call) inside a tunnel, and the PPP link it carries once established.</summary>
internal sealed class L2tpSession(L2tpTunnel tunnel, ushort id, ushort peerId, IL2tpSessionOwner owner) : IPppLinkEvents
{
    public L2tpTunnel Tunnel { get; } = tunnel;
    public ushort Id { get; } = id;
    public ushort PeerId { get; } = peerId;
    public SessionState State { get; set; } = SessionState.WaitConnect;
    public L2tpSessionKey Key => new(Tunnel.Id, Id);
    public PppLink? Ppp { get; set; }

    /// <summary>Sequencing Required (§4.4.6): our data messages then carry Ns (§5.4).</summary>
    public bool SendSequence { get; set; }
    public ushort DataNs { get; set; }

    /// <summary>The next data Ns expected from the peer, once it sent one; older ones are dropped (§5.4).</summary>
    public ushort? ExpectedDataNs { get; set; }

    public bool Connected { get; set; }

    void IPppLinkEvents.SendFrame(byte[] frame)
    {
        if (State == SessionState.Established)
            owner.SendData(this, frame);
    }

    void IPppLinkEvents.Connected(string userName, IPAddress address, int peerMru) => owner.PppConnected(this, userName, address, peerMru);

    void IPppLinkEvents.IpReceived(IPAddress clientAddress, byte[] packet) => owner.IpReceived(this, clientAddress, packet);

    void IPppLinkEvents.Finished(string reason) => owner.PppFinished(this, reason);
}

internal interface IL2tpSessionOwner
{
    void SendData(L2tpSession session, byte[] pppFrame);
    void PppConnected(L2tpSession session, string userName, IPAddress address, int peerMru);
    void IpReceived(L2tpSession session, IPAddress clientAddress, byte[] packet);
    void PppFinished(L2tpSession session, string reason);
}

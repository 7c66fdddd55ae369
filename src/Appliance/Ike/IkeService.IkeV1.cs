using System.Net;
using Appliance.Configuration;
using Appliance.Ike.V1;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKEv1 (RFC 2409) only for L2TP/IPsec clients (Appliance:L2tp): it shares UDP 500/4500 with IKEv2 and is told apart by the
// ISAKMP header's major version. Its Child SAs are transport-mode SAs of the data plane's local-service tunnel 'l2tp'; like a
// remote-access client, one client's failure is not a tunnel outage and never touches the tunnels' health or restarts.
public sealed partial class IkeService
{
    private IkeV1Responder? _ikeV1;

    private void CreateIkeV1(ILoggerFactory loggers)
    {
        if (!_options.L2tp.Enabled) return;
        _ikeV1 = new IkeV1Responder(new IkeV1ResponderOptions
        {
            TunnelName = L2tpRules.TunnelName,
            PreSharedKey = L2tpRules.PreSharedKey(_options.L2tp),
        }, _time, SystemIkeRandom.Instance, loggers.CreateLogger<IkeV1Responder>());
    }

    /// <summary>IKEv1 status for `appliance status` (null when L2TP/IPsec is off).</summary>
    public IReadOnlyList<IkeV1SaStatus>? IkeV1Status()
    {
        if (_ikeV1 is null) return null;
        lock (_gate) return _ikeV1.Status();
    }

    public IkeV1Counters? IkeV1Counters => _ikeV1?.Counters;

    /// <summary>
    /// Hands an IKEv1 message to the responder; false for anything else (IKEv2's, or IKEv1 while L2TP/IPsec is off, which the
    /// IKEv2 engine then refuses as it always did). Caller holds the lock.
    /// </summary>
    private bool HandleIkeV1(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> message)
    {
        if (_ikeV1 is null || !IkeV1Responder.IsIkeV1(message)) return false;
        _ikeV1.HandleDatagram(local, remote, message);
        FlushIkeV1();
        return true;
    }

    /// <summary>Runs the responder's timers; its next due time, or null. Caller holds the lock.</summary>
    private TimeSpan? TickIkeV1()
    {
        if (_ikeV1 is null) return null;
        TimeSpan next = _ikeV1.Tick();
        FlushIkeV1();
        return next;
    }

    /// <summary>Events before messages, as for IKEv2: an SA is in the data plane before the answer that completes it leaves.</summary>
    private void FlushIkeV1()
    {
        bool more;
        do
        {
            more = false;
            while (_ikeV1!.TryDequeueEvent(out var e)) { HandleIkeV1Event(e); more = true; }
            while (_ikeV1.TryDequeueOutgoing(out var d)) { Send(d); more = true; }
        }
        while (more);
    }

    private void HandleIkeV1Event(IkeEvent e)
    {
        switch (e)
        {
            case IkeSaEstablished s:
                _logger.LogInformation("L2TP/IPsec: IKEv1 SA with {RemoteId} at {Remote} established ({Suite}){Nat}",
                    s.RemoteId, s.Remote, s.Suite, s.NatDetected ? ", NAT detected" : "");
                break;
            case IkeSaDeleted d:
                _logger.LogInformation("L2TP/IPsec: IKEv1 SA {SpiI:x16}_i deleted ({Reason})", d.InitiatorSpi, d.Reason);
                break;
            case ChildSaEstablished c:
                InstallChildSa(c);
                break;
            case ChildSaDeleted d:
                _logger.LogInformation("L2TP/IPsec: SA {SpiIn:x8}_i {SpiOut:x8}_o deleted ({Reason})", d.InboundSpi, d.OutboundSpi, d.Reason);
                RemoveChildSa(d);
                break;
            case PeerEndpointChanged p:
                // NAT rebinding: the client's ESP-in-UDP goes to its new port; the L2TP server keeps knowing it by its SA.
                FollowPeer(p);
                break;
            case AuthenticationFailed f:
                _logger.LogWarning("L2TP/IPsec: a client failed IKEv1 authentication: {Detail}", f.Detail);
                break;
            case NoProposalChosen n:
                _logger.LogWarning("L2TP/IPsec: no acceptable proposal from a client: {Detail}", n.Detail);
                break;
            default:
                _logger.LogDebug("L2TP/IPsec: {Event}", e.GetType().Name);
                break;
        }
    }
}

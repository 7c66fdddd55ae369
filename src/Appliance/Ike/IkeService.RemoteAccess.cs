using Appliance.Configuration;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Remote-access tunnels serve many clients, each with its own IKE SA: one client's failure or departure is not a tunnel
// outage, so their events install and remove Child SAs and are logged, and never touch the tunnel's health (which reads
// Up while the box serves), its restart or its childless handling.
public sealed partial class IkeService
{
    private bool IsRemoteAccessTunnel(string tunnel) =>
        _options.Tunnels.TryGetValue(tunnel, out var t) && RemoteAccessRules.IsRemoteAccess(t);

    /// <summary>Handles an event of a remote-access tunnel. Caller holds the lock.</summary>
    private void HandleRemoteAccess(IkeEvent e)
    {
        switch (e)
        {
            case IkeSaEstablished s:
                _keyLog?.Write(s.Keys);
                // Opt-in, but never silent: whoever reads the log sees which client still needs SHA-1/MODP-1024.
                if (ClientProfiles.IsWeakSuite(s.Suite))
                    _logger.LogWarning("{Tunnel}: client {RemoteId} at {Remote} uses the weak Windows profile (IKE {Suite})",
                        s.TunnelName, s.RemoteId, s.Remote, s.Suite);
                _ikeSas.Add((s.InitiatorSpi, s.ResponderSpi));
                break;
            case ChildSaEstablished c:
                InstallChildSa(c);
                if (ClientProfiles.IsWeakSuite(c.Child.Suite))
                    _logger.LogWarning("{Tunnel}: Child SA {SpiIn:x8}_i uses the weak Windows profile (ESP {Suite})",
                        c.TunnelName, c.Child.InboundSpi, c.Child.Suite);
                break;
            case ChildSaDeleted d:
                RemoveChildSa(d);
                break;
            case PeerEndpointChanged p:
                FollowPeer(p);
                break;
            case IkeSaDeleted d:
                _ikeSas.Remove((d.InitiatorSpi, d.ResponderSpi));
                break;
            case AuthenticationFailed f:
                // The engine logged the user name already; this is one client's problem, not the box's.
                _logger.LogWarning("{Tunnel}: client login failed: {Detail}", f.TunnelName, f.Detail);
                break;
            case RemoteAccessClientConnected c:
                _logger.LogInformation("{Tunnel}: user '{User}' connected from {Remote}, virtual IP {Vips}",
                    c.TunnelName, c.User, c.Remote, string.Join(' ', c.VirtualIps));
                break;
            case RemoteAccessClientDisconnected d:
                _logger.LogInformation("{Tunnel}: user '{User}' disconnected ({Reason})", d.TunnelName, d.User, d.Reason);
                break;
            default:
                _logger.LogDebug("{Tunnel}: {Event}", e.TunnelName, e.GetType().Name);
                break;
        }
    }

    /// <summary>What a new Child SA means for every tunnel, site or remote access: logged, in the table, in the data plane.</summary>
    private void InstallChildSa(ChildSaEstablished c)
    {
        _logger.LogInformation("{Tunnel}: Child SA {SpiIn:x8}_i {SpiOut:x8}_o installed ({Suite}, {Local} === {Remote})",
            c.TunnelName, c.Child.InboundSpi, c.Child.OutboundSpi, c.Child.Suite,
            string.Join(' ', c.Child.LocalTs), string.Join(' ', c.Child.RemoteTs));
        _keyLog?.Write(c.Child);
        _children[(c.Child.InboundSpi, c.Child.OutboundSpi)] = c.Child;
        _childSaSink.Install(c.Child, c.Redundant ? OutboundUse.Never : c.AnsweredPeerRekey ? OutboundUse.AfterPeer : OutboundUse.Now);
    }

    private void RemoveChildSa(ChildSaDeleted d)
    {
        _children.Remove((d.InboundSpi, d.OutboundSpi));
        _childSaSink.Remove(d.TunnelName, d.InboundSpi, d.OutboundSpi);
    }
}

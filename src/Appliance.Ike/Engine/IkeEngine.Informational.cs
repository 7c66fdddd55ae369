using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// INFORMATIONAL (RFC 7296 §1.4: delete, liveness).
public sealed partial class IkeEngine
{
    private void TerminateCore(string tunnelName)
    {
        foreach (IkeSa sa in _sas.Values.Where(s => s.Config?.Name == tunnelName).ToList())
        {
            if (sa.State == IkeSaState.Connecting && sa.IsInitiator && sa.Outstanding?.Kind == RequestKind.IkeAuth)
                sa.DeleteQueued = true; // the peer may already consider it up: delete it properly once IKE_AUTH is done
            else if (sa.State == IkeSaState.Connecting)
                RemoveSa(sa, "terminated before it was established");
            else if (sa.State == IkeSaState.Established && sa.Outstanding is not null)
                sa.DeleteQueued = true;
            else if (sa.State == IkeSaState.Established)
                SendDeleteIkeSa(sa);
        }
    }

    /// <summary>Sends an empty INFORMATIONAL request (liveness check, RFC 7296 §2.4); no answer ends the IKE SA.</summary>
    public void CheckLiveness(string tunnelName)
    {
        lock (_gate)
        {
            foreach (IkeSa sa in _sas.Values.Where(s => s.Config?.Name == tunnelName && s.State == IkeSaState.Established && s.Outstanding is null).ToList())
                SendRequest(sa, ExchangeType.Informational, RequestKind.Liveness, []);
        }
    }

    private void SendDeleteIkeSa(IkeSa sa)
    {
        sa.DeleteQueued = false;
        sa.State = IkeSaState.Deleting;
        SendRequest(sa, ExchangeType.Informational, RequestKind.DeleteIkeSa, [new DeletePayload(ProtocolId.Ike, [])]);
    }

    private void HandleInformationalRequest(IkeSa sa, IkeHeader h, List<IkePayload> p)
    {
        if (sa.State == IkeSaState.Connecting)
        {
            // Before IKE_AUTH completes only IKE_AUTH may follow (RFC 7296 §1.2); but the answer to our failed
            // AUTH check comes as INFORMATIONAL and ends the SA.
            Counters.Increment(IkeCounter.UnexpectedExchange);
            return;
        }
        if (p.OfType<DeletePayload>().Any(d => d.Protocol == ProtocolId.Ike))
        {
            SendResponse(sa, h, []);
            // A rekey collision the peer settled before our own answer arrived: this was the peer's redundant IKE SA
            // and its Child SAs belong to the one our rekey is about to create, so park them on the old SA.
            if (_sas.Values.FirstOrDefault(o => o.PeerReplacement == sa && o.Rekeying) is { } parent)
            {
                parent.Children.AddRange(sa.Children);
                sa.Children.Clear();
            }
            RemoveSa(sa, "deleted by peer");
            return;
        }
        if (FindNotify(p, NotifyType.AuthenticationFailed) is not null)
        {
            Counters.Increment(IkeCounter.AuthenticationFailed);
            SendResponse(sa, h, []);
            Raise(new AuthenticationFailed(sa.TunnelName, "peer reported AUTHENTICATION_FAILED"));
            RemoveSa(sa, "peer reported AUTHENTICATION_FAILED");
            return;
        }
        var response = new List<IkePayload>();
        var deleted = new List<ChildSa>();
        foreach (DeletePayload d in p.OfType<DeletePayload>().Where(d => d.Protocol is ProtocolId.Esp or ProtocolId.Ah))
        {
            // The peer names its inbound SPIs, i.e. our outbound ones; we answer with our inbound ones (§1.4.1).
            var ours = new List<uint>();
            foreach (uint spi in d.Spis)
            {
                ChildSa? child = sa.Children.FirstOrDefault(c => c.Info.OutboundSpi == spi && c.Info.Protocol == d.Protocol);
                if (child is null)
                    continue;
                sa.Children.Remove(child);
                deleted.Add(child);
                ours.Add(child.Info.InboundSpi);
            }
            if (ours.Count > 0)
                response.Add(new DeletePayload(d.Protocol, ours));
        }
        // A Child SA that leaves a sibling behind was replaced (rekey, collision), not torn down.
        foreach (ChildSa child in deleted)
            Raise(new ChildSaDeleted(sa.TunnelName, child.Info.InboundSpi, child.Info.OutboundSpi, "deleted by peer",
                child.Replaced || sa.Children.Count > 0));
        SendResponse(sa, h, response);
    }

    private void HandleInformationalResponse(IkeSa sa, PendingRequest pending, List<IkePayload> p)
    {
        if (FindNotify(p, NotifyType.AuthenticationFailed) is not null)
        {
            Raise(new AuthenticationFailed(sa.TunnelName, "peer reported AUTHENTICATION_FAILED"));
            RemoveSa(sa, "peer reported AUTHENTICATION_FAILED");
            return;
        }
        _log.LogDebug("IKE SA {Spi:x16}: INFORMATIONAL {Kind} answered", sa.LocalSpi, pending.Kind);
    }
}

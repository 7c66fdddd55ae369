using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Retransmission with exponential back-off (RFC 7296 §2.1; strongSwan's timeout × base^n) and half-open expiry.
public sealed partial class IkeEngine
{
    private TimeSpan? TickCore()
    {
        DateTimeOffset now = Now;
        DateTimeOffset? next = null;
        foreach (IkeSa sa in _sas.Values.ToList())
        {
            if (!sa.IsInitiator && sa.State == IkeSaState.Connecting)
            {
                DateTimeOffset expiry = sa.CreatedAt + Options.HalfOpenTimeout;
                if (now >= expiry)
                {
                    Counters.Increment(IkeCounter.HalfOpenExpired);
                    RemoveSa(sa, "half-open IKE SA timed out");
                    continue;
                }
                next = Earliest(next, expiry);
            }
            if (sa.State == IkeSaState.Established && sa.RekeyAt is { } ikeRekeyAt && !sa.Rekeying)
            {
                if (now >= ikeRekeyAt && sa.Outstanding is null)
                    StartIkeRekey(sa);
                else
                    next = Earliest(next, ikeRekeyAt);
            }
            if (sa.State == IkeSaState.Established && RekeyDueChild(sa, now) is { } rekeyAt)
                next = Earliest(next, rekeyAt);
            if (ExpireDue(sa, now) is { } expireAt)
                next = Earliest(next, expireAt);
            if (sa.Outstanding is null && sa.State == IkeSaState.Established && Options.DpdDelay is { } dpd)
            {
                DateTimeOffset due = sa.LastInbound + dpd;
                if (now >= due)
                    SendRequest(sa, ExchangeType.Informational, RequestKind.Liveness, []);
                else
                    next = Earliest(next, due);
            }
            if (sa.Outstanding is not { } pending)
                continue;
            // With DPD on, a peer silent for three DPD intervals is dead even if the back-off has retransmissions left
            // (4 s × 1.8^n would take almost 3 minutes): the box notices a gone HQ within 3 × Dpd, as configured.
            if (Options.DpdDelay is { } dpdInterval && sa.State == IkeSaState.Established && pending.Retransmits > 0)
            {
                DateTimeOffset deadline = sa.LastInbound + 3 * dpdInterval;
                if (now >= deadline)
                {
                    GiveUp(sa, pending);
                    continue;
                }
                next = Earliest(next, deadline);
            }
            if (now >= pending.NextTimeout)
            {
                if (pending.Retransmits >= Options.RetransmitTries)
                {
                    GiveUp(sa, pending);
                    continue;
                }
                pending.Retransmits++;
                pending.NextTimeout = now + RetransmitDelay(pending.Retransmits);
                Counters.Increment(IkeCounter.RetransmitsSent);
                _log.LogDebug("IKE SA {Spi:x16}: retransmit {N} of {Exchange} request {Id}", sa.LocalSpi, pending.Retransmits, pending.Exchange, pending.MessageId);
                SendAll(sa, pending.Datagrams);
            }
            next = Earliest(next, pending.NextTimeout);
        }
        return next is null ? null : next.Value - now < TimeSpan.Zero ? TimeSpan.Zero : next.Value - now;
    }

    /// <summary>Timeout after the n-th transmission: RetransmitTimeout × RetransmitBase^n.</summary>
    private TimeSpan RetransmitDelay(int retransmits) =>
        TimeSpan.FromTicks((long)(Options.RetransmitTimeout.Ticks * Math.Pow(Options.RetransmitBase, retransmits)));

    private void GiveUp(IkeSa sa, PendingRequest pending)
    {
        sa.Outstanding = null;
        if (pending.Kind is RequestKind.DeleteIkeSa or RequestKind.Notify || sa.State == IkeSaState.Deleting)
        {
            // Replaced by a rekey or on its way out anyway: silence here says nothing about the peer.
            RemoveSa(sa, "peer did not answer on an IKE SA being deleted");
            return;
        }
        Counters.Increment(IkeCounter.PeerUnreachable);
        string detail = $"no answer to {pending.Exchange} after {pending.Retransmits} retransmissions";
        Raise(new PeerUnreachable(sa.TunnelName, detail) { Remote = sa.Remote });
        RemoveSa(sa, detail);
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is null || b < a ? b : a.Value;
}

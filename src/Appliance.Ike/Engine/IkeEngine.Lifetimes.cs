using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// SA lifetimes (RFC 7296 §2.8): per-tunnel rekey and hard times, early rekeys the data path asks for (byte and
// packet limits, sequence numbers running out), and deletion of SAs whose hard lifetime ran out.
public sealed partial class IkeEngine
{
    private TimeSpan? ChildRekeyTime(IkeTunnelConfig? c) => c?.Lifetimes is { } l ? l.ChildRekeyTime : Options.ChildSaRekeyTime;

    private TimeSpan? ChildLifeTime(IkeTunnelConfig? c) => c?.Lifetimes is { } l
        ? SaLifetimes.DefaultLife(l.ChildRekeyTime, l.ChildLifeTime)
        : SaLifetimes.DefaultLife(Options.ChildSaRekeyTime, Options.ChildSaLifeTime);

    private TimeSpan? IkeRekeyTime(IkeTunnelConfig? c) => c?.Lifetimes is { } l ? l.IkeRekeyTime : Options.IkeSaRekeyTime;

    private TimeSpan? IkeLifeTime(IkeTunnelConfig? c) => c?.Lifetimes is { } l
        ? SaLifetimes.DefaultLife(l.IkeRekeyTime, l.IkeLifeTime)
        : SaLifetimes.DefaultLife(Options.IkeSaRekeyTime, Options.IkeSaLifeTime);

    /// <summary>Sets when a new (or rekeyed) IKE SA is rekeyed and when it expires.</summary>
    private void ScheduleIkeLifetime(IkeSa sa)
    {
        sa.RekeyAt = NextRekeyTime(IkeRekeyTime(sa.Config));
        sa.ExpireAt = IkeLifeTime(sa.Config) is { } life ? Now + life : null;
    }

    /// <summary>
    /// Asks for an early rekey of a Child SA, e.g. because the data path saw its byte or packet limit or its sequence
    /// numbers running out. It starts at the next <see cref="Tick"/> once no other exchange is outstanding. Returns
    /// false when no such established Child SA exists or it is already being rekeyed or deleted.
    /// </summary>
    public bool RequestChildRekey(uint inboundSpi)
    {
        lock (_gate)
        {
            foreach (IkeSa sa in _sas.Values)
            {
                if (sa.State != IkeSaState.Established || sa.Config is null)
                    continue;
                ChildSa? child = sa.Children.FirstOrDefault(c => c.Info.InboundSpi == inboundSpi);
                if (child is null || child.Rekeying || child.Retiring)
                    continue;
                child.RekeyAt = Now;
                _log.LogInformation("IKE SA {Spi:x16}: early rekey of Child SA {In:x8} requested", sa.LocalSpi, inboundSpi);
                return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Asks for a rekey of the tunnel's established IKE SA now (an operator's command); it starts at the next
    /// <see cref="Tick"/> once no other exchange is outstanding. False when the tunnel has no established IKE SA
    /// or it is already being rekeyed.
    /// </summary>
    public bool RequestIkeRekey(string tunnelName)
    {
        lock (_gate)
        {
            // The newest established one: an SA just replaced by a rekey lingers until its DELETE completes.
            IkeSa? sa = _sas.Values
                .Where(s => s.TunnelName == tunnelName && s.State == IkeSaState.Established && s.Config is not null && !s.Replaced)
                .MaxBy(s => s.EstablishedAt);
            if (sa is null || sa.Rekeying)
                return false;
            sa.RekeyAt = Now;
            _log.LogDebug("IKE SA {Spi:x16}: rekey requested", sa.LocalSpi);
            return true;
        }
    }

    /// <summary>
    /// Ends SAs whose hard lifetime ran out; returns the next expiry. An expired Child SA is reported deleted at once
    /// (its keys must not be used any more) and its DELETE goes out when the request window is free.
    /// </summary>
    private DateTimeOffset? ExpireDue(IkeSa sa, DateTimeOffset now)
    {
        if (sa.State != IkeSaState.Established)
            return null;
        if (sa.ExpireAt is { } ikeExpiry)
        {
            if (now < ikeExpiry)
                return Earliest(NextChildExpiry(sa, now), ikeExpiry);
            _log.LogWarning("IKE SA {SpiI:x16}_i {SpiR:x16}_r of '{Tunnel}': hard lifetime expired without a rekey, deleting it",
                sa.InitiatorSpi, sa.ResponderSpi, sa.TunnelName);
            sa.ExpireAt = null;
            if (sa.Outstanding is null) SendDeleteIkeSa(sa);
            else sa.DeleteQueued = true;
            return null;
        }
        return NextChildExpiry(sa, now);
    }

    private DateTimeOffset? NextChildExpiry(IkeSa sa, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (ChildSa child in sa.Children.ToList())
        {
            if (child.ExpireAt is not { } at || child.Retiring)
                continue;
            if (now < at)
            {
                next = Earliest(next, at);
                continue;
            }
            _log.LogDebug("IKE SA {Spi:x16}: Child SA {In:x8} hard lifetime expired without a rekey, deleting it", sa.LocalSpi, child.Info.InboundSpi);
            (child.Expired, child.Retiring) = (true, true);
            sa.Children.Remove(child);
            sa.ExpiredChildren.Add(child);
            Raise(new ChildSaDeleted(sa.TunnelName, child.Info.InboundSpi, child.Info.OutboundSpi, "hard lifetime expired"));
        }
        if (sa.ExpiredChildren.Count > 0 && sa.Outstanding is null)
        {
            foreach (var group in sa.ExpiredChildren.GroupBy(c => c.Info.Protocol))
            {
                // One DELETE per protocol; the window is 1, so a second protocol waits for the next tick.
                SendRequest(sa, ExchangeType.Informational, RequestKind.DeleteChildSa,
                    [new DeletePayload(group.Key, group.Select(c => c.Info.InboundSpi).ToList())]);
                sa.ExpiredChildren.RemoveAll(c => c.Info.Protocol == group.Key);
                break;
            }
        }
        return next;
    }
}

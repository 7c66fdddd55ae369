using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>Timers: half-open expiry, ESP and ISAKMP SA lifetimes, DPD (RFC 3706 §5.5: R-U-THERE after idle, dead after 5).</summary>
public sealed partial class IkeV1Responder
{
    /// <summary>Unanswered R-U-THEREs after which the peer is declared dead.</summary>
    public const int DpdMaxUnanswered = 5;

    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(60);

    /// <summary>Runs the timers that are due; returns the time until the next one.</summary>
    public TimeSpan Tick()
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            DateTimeOffset next = now + IdleTick;
            foreach (IsakmpSa sa in new List<IsakmpSa>(_sas.Values))
            {
                try
                {
                    next = Min(next, TickSa(sa, now));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Counters.Increment(IkeV1Counter.InternalError);
                    RemoveSa(sa);
                }
            }
            TimeSpan wait = next - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private DateTimeOffset TickSa(IsakmpSa sa, DateTimeOffset now)
    {
        if (sa.State != IsakmpState.Established)
        {
            DateTimeOffset deadline = sa.CreatedAt + _options.HalfOpenTimeout;
            if (now < deadline)
                return deadline;
            Counters.Increment(IkeV1Counter.HalfOpenExpired);
            RemoveSa(sa);
            return DateTimeOffset.MaxValue;
        }
        DateTimeOffset next = DateTimeOffset.MaxValue;
        // Quick Modes are kept only to answer retransmissions; an unfinished one is abandoned.
        sa.QuickModes.RemoveAll(q => now >= q.StartedAt + _options.HalfOpenTimeout);
        foreach (QuickModeExchange q in sa.QuickModes)
            next = Min(next, q.StartedAt + _options.HalfOpenTimeout);

        foreach (EspSa esp in new List<EspSa>(sa.EspSas))
        {
            if (now < esp.ExpiresAt)
            {
                next = Min(next, esp.ExpiresAt);
                continue;
            }
            sa.EspSas.Remove(esp);
            var spi = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(spi, esp.InboundSpi);
            SendInformational(sa, sa.Local, sa.Remote, new PayloadBuilder().Add(PayloadType.Delete, DeleteBody(V1Protocol.Esp, 4, [spi])));
            _events.Enqueue(new ChildSaDeleted(_options.TunnelName, esp.InboundSpi, esp.OutboundSpi, "lifetime expired", Replaced: sa.EspSas.Count > 0));
        }

        if (now >= sa.ExpiresAt)
        {
            RetireSa(sa, "lifetime expired", sendDelete: true);
            return DateTimeOffset.MaxValue;
        }
        next = Min(next, sa.ExpiresAt);

        if (sa.PeerDpd)
        {
            if (now >= sa.NextDpd)
            {
                if (sa.DpdOutstanding >= DpdMaxUnanswered)
                {
                    Counters.Increment(IkeV1Counter.DeadPeers);
                    _rateLimitedLog.Info("dpd", now, "IKEv1: {0} did not answer {1} R-U-THERE: dead peer", sa.Remote, DpdMaxUnanswered);
                    DeleteSa(sa, "dead peer", sendDelete: false);
                    return DateTimeOffset.MaxValue;
                }
                sa.DpdSequence++;
                sa.DpdOutstanding++;
                sa.NextDpd = now + _options.DpdRetry;
                Counters.Increment(IkeV1Counter.DpdSent);
                var seq = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(seq, sa.DpdSequence);
                SendNotify(sa, sa.Local, sa.Remote, V1Protocol.Isakmp, CookieSpi(sa), NotifyType.RUThere, seq);
            }
            next = Min(next, sa.NextDpd);
        }
        return next;
    }

    /// <summary>
    /// The ISAKMP SA ends (its life, or the peer's DELETE): its ESP SAs move to a newer ISAKMP SA of the same peer
    /// (the client re-ran Main Mode; RFC 2409 §4 lets phase 2 SAs outlive phase 1), else they are deleted with it.
    /// </summary>
    private void RetireSa(IsakmpSa sa, string reason, bool sendDelete)
    {
        IsakmpSa? successor = null;
        foreach (IsakmpSa other in _sas.Values)
            if (!ReferenceEquals(other, sa) && other.State == IsakmpState.Established && other.Remote.Address.Equals(sa.Remote.Address)
                && other.RemoteId is not null && other.RemoteId.Equals(sa.RemoteId) && (successor is null || other.EstablishedAt > successor.EstablishedAt))
                successor = other;
        if (successor is null)
        {
            DeleteSa(sa, reason, sendDelete);
            return;
        }
        successor.EspSas.AddRange(sa.EspSas);
        sa.EspSas.Clear();
        if (sendDelete)
            SendInformational(sa, sa.Local, sa.Remote, new PayloadBuilder().Add(PayloadType.Delete, DeleteBody(V1Protocol.Isakmp, 16, [CookieSpi(sa)])));
        _events.Enqueue(new IkeSaDeleted(_options.TunnelName, sa.InitiatorCookie, sa.ResponderCookie, reason, Replaced: true));
        RemoveSa(sa);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Child SA rekeying started by us (RFC 7296 §1.3.3, §2.8) and rekey collisions (§2.8.1).
public sealed partial class IkeEngine
{
    /// <summary>When an SA made now should be rekeyed by us: the rekey time minus a random share of the jitter; null: never.</summary>
    private DateTimeOffset? NextRekeyTime(TimeSpan? after)
    {
        if (after is not { } rekey)
            return null;
        Span<byte> b = stackalloc byte[4];
        _random.Fill(b);
        double share = BinaryPrimitives.ReadUInt32BigEndian(b) / (double)uint.MaxValue;
        return Now + rekey - TimeSpan.FromTicks((long)(rekey.Ticks * Options.RekeyJitter * share));
    }

    /// <summary>Half to all of RekeyRetryDelay, at random, so two refused peers do not retry in lockstep.</summary>
    private DateTimeOffset RetryTime()
    {
        Span<byte> b = stackalloc byte[2];
        _random.Fill(b);
        double share = 0.5 + BinaryPrimitives.ReadUInt16BigEndian(b) / (2.0 * ushort.MaxValue);
        return Now + TimeSpan.FromTicks((long)(Options.RekeyRetryDelay.Ticks * share));
    }

    /// <summary>Starts the first due Child SA rekey of an idle, established IKE SA; returns the next due time otherwise.</summary>
    private DateTimeOffset? RekeyDueChild(IkeSa sa, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (ChildSa child in sa.Children)
        {
            if (child.RekeyAt is not { } at || child.Rekeying || child.Retiring)
                continue;
            if (now >= at && sa.Outstanding is null)
            {
                StartChildRekey(sa, child);
                continue;
            }
            next = next is null || at < next ? at : next;
        }
        return next;
    }

    private void StartChildRekey(IkeSa sa, ChildSa old)
    {
        IkeTunnelConfig config = sa.Config!;
        // The new SA keeps the old one's protocol (REKEY_SA names it, RFC 7296 §3.10.1) and takes the configured proposals.
        ProtocolId protocol = old.Info.Protocol;
        List<ProposalSpec> offered = config.ParseChildProposals();
        uint newSpi = NewChildSpi();
        byte[] nonce = RandomBytes(Options.NonceSize);
        DhGroup pfs = offered[0].Dh.FirstOrDefault(g => g != DhGroup.None);
        KeyExchange? kex = pfs == DhGroup.None ? null : KeyExchange.Create(pfs, new RandomAdapter(_random));
        var payloads = new List<IkePayload>
        {
            new NotifyPayload(protocol, SpiBytes(old.Info.InboundSpi), NotifyType.RekeySa, []),
            new SaPayload(ProposalNegotiation.ToProposals(offered, protocol, SpiBytes(newSpi), includeDh: true)),
            new NoncePayload(nonce),
        };
        if (kex is not null)
            payloads.Add(new KePayload((ushort)kex.Group, kex.PublicValue.ToArray()));
        payloads.Add(new TsPayload(false, old.Info.LocalTs));
        payloads.Add(new TsPayload(true, old.Info.RemoteTs));
        if (old.Info.Mode == IpsecMode.Transport)
            payloads.Add(new NotifyPayload(NotifyType.UseTransportMode));
        old.Rekeying = true;
        _log.LogInformation("IKE SA {Spi:x16}: rekeying Child SA {In:x8}", sa.LocalSpi, old.Info.InboundSpi);
        SendRequest(sa, ExchangeType.CreateChildSa, RequestKind.RekeyChildSa, payloads).Rekey =
            new ChildRekey(old, newSpi, nonce, kex, offered);
    }

    private void HandleChildRekeyResponse(IkeSa sa, ChildRekey rekey, List<IkePayload> p)
    {
        ChildSa old = rekey.Old;
        old.Rekeying = false;
        try
        {
            ChildSa? fresh = AcceptRekeyResponse(sa, rekey, p, out string? failure);
            if (fresh is null)
            {
                _log.LogInformation("IKE SA {Spi:x16}: rekey of Child SA {In:x8} failed: {Why}", sa.LocalSpi, old.Info.InboundSpi, failure);
                old.RekeyAt = RetryTime();
                return;
            }
            sa.Children.Add(fresh);
            // The old SA's hard lifetime ran out while the rekey was in flight: it is gone already, the new one simply takes over.
            if (old.Expired)
            {
                Raise(new ChildSaEstablished(sa.TunnelName, fresh.Info, old.Info.InboundSpi));
                return;
            }
            List<ChildSa> delete = SettleCollision(sa, old, fresh);
            Raise(new ChildSaEstablished(sa.TunnelName, fresh.Info, old.Info.InboundSpi) { Redundant = delete.Contains(fresh) });
            SendDeleteChild(sa, delete);
        }
        finally
        {
            rekey.KeyExchange?.Dispose();
        }
    }

    private ChildSa? AcceptRekeyResponse(IkeSa sa, ChildRekey rekey, List<IkePayload> p, out string? failure)
    {
        failure = null;
        if (FirstError(p) is { } error)
        {
            failure = error.NotifyType.ToString(); // TEMPORARY_FAILURE, CHILD_SA_NOT_FOUND, NO_PROPOSAL_CHOSEN ...
            return null;
        }
        SaPayload? saPayload = Find<SaPayload>(p);
        NoncePayload? nonce = Find<NoncePayload>(p);
        TsPayload? tsi = FindTs(p, responder: false);
        TsPayload? tsr = FindTs(p, responder: true);
        ProtocolId protocol = rekey.Old.Info.Protocol;
        TransformSet? suite = saPayload is null ? null : ProposalNegotiation.AcceptReply(saPayload, rekey.Offered, protocol, useDh: true);
        if (suite is null || nonce is null || tsi is null || tsr is null || saPayload!.Proposals[0].Spi.Length != 4)
        {
            failure = "response lacks payloads or names transforms we did not offer";
            return null;
        }
        if (!TsNarrowing.IsNarrowingOf(tsi.Selectors, rekey.Old.Info.LocalTs) || !TsNarrowing.IsNarrowingOf(tsr.Selectors, rekey.Old.Info.RemoteTs))
        {
            failure = "peer widened the traffic selectors";
            return null;
        }
        byte[] shared = [];
        if (suite.Dh != DhGroup.None)
        {
            KePayload? ke = Find<KePayload>(p);
            if (rekey.KeyExchange is null || rekey.KeyExchange.Group != suite.Dh || ke is null || ke.DhGroup != (ushort)suite.Dh
                || !rekey.KeyExchange.TryComputeSharedSecret(ke.Data, out shared))
            {
                failure = "no usable KE payload for the chosen DH group";
                return null;
            }
        }
        bool transport = rekey.Old.Info.Mode == IpsecMode.Transport && FindNotify(p, NotifyType.UseTransportMode) is not null;
        uint outbound = BinaryPrimitives.ReadUInt32BigEndian(saPayload.Proposals[0].Spi);
        ChildSa fresh = BuildChild(sa, protocol, suite, rekey.NewSpi, outbound, transport, tsi.Selectors.ToList(), tsr.Selectors.ToList(),
            shared, rekey.Nonce, nonce.Data, weInitiatedExchange: true);
        CryptographicOperations.ZeroMemory(shared);
        return fresh;
    }

    /// <summary>
    /// Which SA our DELETE must name now that our rekey is done. Normally the old one. If the peer rekeyed the
    /// same SA meanwhile (§2.8.1), the new SA made with the lowest of the four nonces is redundant and is deleted
    /// by the side that made it; the old one is then deleted by the winner. If the peer already deleted the old
    /// SA, its rekey won and ours is redundant.
    /// </summary>
    /// <remarks>
    /// When the peer's new SA is the redundant one we name it in our DELETE as well: its creator should delete it,
    /// but never learns it exists if our answer to its request was lost and the old SA is gone before it retransmits.
    /// </remarks>
    private static List<ChildSa> SettleCollision(IkeSa sa, ChildSa old, ChildSa ours)
    {
        if (!sa.Children.Contains(old))
            return [ours];
        if (old.PeerReplacement is { } theirs && sa.Children.Contains(theirs))
        {
            bool oursRedundant = ours.LowestNonce.AsSpan().SequenceCompareTo(theirs.LowestNonce) < 0;
            theirs.Replaced = !oursRedundant;
            return oursRedundant ? [ours] : [old, theirs];
        }
        return [old];
    }

    private void SendDeleteChild(IkeSa sa, List<ChildSa> children)
    {
        foreach (ChildSa child in children)
            (child.Retiring, child.Replaced) = (true, true);
        // One Delete payload per protocol: it names a single protocol for all its SPIs (RFC 7296 §3.11).
        List<IkePayload> deletes = children.GroupBy(c => c.Info.Protocol)
            .Select(g => (IkePayload)new DeletePayload(g.Key, g.Select(c => c.Info.InboundSpi).ToList())).ToList();
        SendRequest(sa, ExchangeType.Informational, RequestKind.DeleteChildSa, deletes).Deleting = children;
    }

    private void FinishChildDelete(IkeSa sa, PendingRequest pending)
    {
        foreach (ChildSa child in pending.Deleting)
        {
            if (!sa.Children.Remove(child))
                continue; // the peer's own DELETE for it crossed ours
            Raise(new ChildSaDeleted(sa.TunnelName, child.Info.InboundSpi, child.Info.OutboundSpi, "rekeyed", Replaced: true));
        }
    }
}

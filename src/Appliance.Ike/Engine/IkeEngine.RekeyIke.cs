using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKE SA rekeying (RFC 7296 §1.3.2, keys per §2.18), as responder and as initiator, with collisions (§2.8.2).
public sealed partial class IkeEngine
{
    private void RekeyIkeSaAsResponder(IkeSa old, IkeHeader h, List<IkePayload> p, SaPayload saPayload)
    {
        NoncePayload? nonce = Find<NoncePayload>(p);
        KePayload? ke = Find<KePayload>(p);
        if (nonce is null || ke is null)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            SendResponse(old, h, [new NotifyPayload(NotifyType.InvalidSyntax)]);
            return;
        }
        IkeTunnelConfig config = old.Config!;
        List<ProposalSpec> specs = config.IkeProposals.Select(ProposalParser.ParseIke).ToList();
        var choice = ProposalNegotiation.Select(saPayload.Proposals, specs, ProtocolId.Ike, useDh: true);
        if (choice is null || choice.Value.Peer.Spi.Length != 8)
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            SendResponse(old, h, [new NotifyPayload(NotifyType.NoProposalChosen)]);
            return;
        }
        (Proposal peer, TransformSet suite) = choice.Value;
        if (ke.DhGroup != (ushort)suite.Dh)
        {
            Counters.Increment(IkeCounter.InvalidKePayload);
            var group = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(group, (ushort)suite.Dh);
            SendResponse(old, h, [new NotifyPayload(NotifyType.InvalidKePayload, group)]);
            return;
        }
        var kex = KeyExchange.Create(suite.Dh, new RandomAdapter(_random));
        if (!kex.TryComputeSharedSecret(ke.Data, out byte[] shared))
        {
            kex.Dispose();
            Counters.Increment(IkeCounter.InvalidSyntax);
            SendResponse(old, h, [new NotifyPayload(NotifyType.InvalidSyntax)]);
            return;
        }
        // The peer started the rekey, so it is the initiator of the new IKE SA (§2.18).
        var fresh = new IkeSa(false, BinaryPrimitives.ReadUInt64BigEndian(peer.Spi), old.Local, old.Remote, Now)
        {
            ResponderSpi = NewIkeSpi(),
            Config = config,
            RemoteId = old.RemoteId,
            NonceI = nonce.Data,
            NonceR = RandomBytes(Options.NonceSize),
            LocalBehindNat = old.LocalBehindNat,
            RemoteBehindNat = old.RemoteBehindNat,
        };
        var spi = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(spi, fresh.ResponderSpi);
        SendResponse(old, h,
        [
            new SaPayload([ProposalNegotiation.Reply(peer.Number, ProtocolId.Ike, spi, suite, includeDh: true)]),
            new NoncePayload(fresh.NonceR),
            new KePayload((ushort)kex.Group, kex.PublicValue.ToArray()),
        ]);
        kex.Dispose();
        TakeOver(old, fresh, suite, shared);
        // The peer deletes the old IKE SA next; until then it only answers, it starts nothing. If we are
        // rekeying it too, the collision is settled when our own response arrives.
        if (old.Rekeying)
            (old.PeerReplacement, fresh.Replaced) = (fresh, true); // a collision: one of the two new SAs goes
        old.State = IkeSaState.Deleting;
        old.Replaced = true;
        _sas.Add(fresh.ResponderSpi, fresh);
        _log.LogInformation("IKE SA {Old:x16} of '{Tunnel}' rekeyed to {SpiI:x16}_i {SpiR:x16}_r ({Suite})",
            old.LocalSpi, config.Name, fresh.InitiatorSpi, fresh.ResponderSpi, fresh.SuiteName);
        RaiseEstablished(fresh);
    }

    /// <summary>
    /// Keys the IKE SA a rekey made from the old one's SK_d (RFC 7296 §2.18), marks it established and moves the old
    /// SA's Child SAs to it; the same for the side that asked and the side that answered.
    /// </summary>
    private void TakeOver(IkeSa old, IkeSa fresh, TransformSet suite, byte[] shared)
    {
        byte[] skeyseed = KeyDerivation.RekeySkeyseed(old.Prf!, old.Keys!.SkD, shared, fresh.NonceI, fresh.NonceR);
        CryptographicOperations.ZeroMemory(shared);
        DeriveFromSkeyseed(fresh, suite, skeyseed);
        fresh.Fragmentation = old.Fragmentation; // negotiated once in IKE_SA_INIT; a rekey keeps it (as strongSwan)
        MarkEstablished(fresh);
        fresh.Children.AddRange(old.Children);
        old.Children.Clear();
        fresh.Lease = old.Lease; // a remote-access client keeps its virtual IPs across IKE rekeys
        old.Lease = null;
    }

    private void StartIkeRekey(IkeSa old)
    {
        IkeTunnelConfig config = old.Config!;
        List<ProposalSpec> offered = config.IkeProposals.Select(ProposalParser.ParseIke).ToList();
        // The group in use is known to suit the peer; offering it in KE avoids an INVALID_KE_PAYLOAD round.
        var kex = KeyExchange.Create(old.Suite!.Dh, new RandomAdapter(_random));
        ulong newSpi = NewIkeSpi();
        byte[] nonce = RandomBytes(Options.NonceSize);
        var spi = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(spi, newSpi);
        old.Rekeying = true;
        _log.LogInformation("IKE SA {Spi:x16} of '{Tunnel}': rekeying", old.LocalSpi, config.Name);
        SendRequest(old, ExchangeType.CreateChildSa, RequestKind.RekeyIkeSa,
        [
            new SaPayload(ProposalNegotiation.ToProposals(offered, ProtocolId.Ike, spi, includeDh: true)),
            new NoncePayload(nonce),
            new KePayload((ushort)kex.Group, kex.PublicValue.ToArray()),
        ]).IkeRekey = new IkeRekey(newSpi, nonce, kex, offered);
    }

    private void HandleIkeRekeyResponse(IkeSa old, IkeRekey rekey, List<IkePayload> p)
    {
        old.Rekeying = false;
        using KeyExchange kex = rekey.KeyExchange;
        SaPayload? saPayload = Find<SaPayload>(p);
        NoncePayload? nonce = Find<NoncePayload>(p);
        KePayload? ke = Find<KePayload>(p);
        TransformSet? suite = saPayload is null ? null : ProposalNegotiation.AcceptReply(saPayload, rekey.Offered, ProtocolId.Ike, useDh: true);
        byte[] shared = [];
        if (FirstError(p) is not null || suite is null || nonce is null || ke is null || saPayload!.Proposals[0].Spi.Length != 8
            || ke.DhGroup != (ushort)suite.Dh || suite.Dh != kex.Group || !kex.TryComputeSharedSecret(ke.Data, out shared))
        {
            _log.LogInformation("IKE SA {Spi:x16}: rekey refused or invalid ({Error}); retrying later", old.LocalSpi,
                FirstError(p)?.NotifyType.ToString() ?? "bad response");
            if (old.State == IkeSaState.Established)
                old.RekeyAt = RetryTime();
            return;
        }
        var fresh = new IkeSa(true, rekey.NewInitiatorSpi, old.Local, old.Remote, Now)
        {
            ResponderSpi = BinaryPrimitives.ReadUInt64BigEndian(saPayload.Proposals[0].Spi),
            Config = old.Config,
            RemoteId = old.RemoteId,
            NonceI = rekey.Nonce,
            NonceR = nonce.Data,
            LocalBehindNat = old.LocalBehindNat,
            RemoteBehindNat = old.RemoteBehindNat,
        };
        TakeOver(old, fresh, suite, shared);
        old.Replaced = true;
        _sas.Add(fresh.InitiatorSpi, fresh);
        _log.LogInformation("IKE SA {Old:x16} of '{Tunnel}' rekeyed to {SpiI:x16}_i {SpiR:x16}_r ({Suite})",
            old.LocalSpi, fresh.TunnelName, fresh.InitiatorSpi, fresh.ResponderSpi, fresh.SuiteName);
        RaiseEstablished(fresh);

        // §2.8.2: if the peer rekeyed the same IKE SA meanwhile, the new SA with the lowest nonce is redundant and
        // its initiator deletes it; the survivor takes the Child SAs and the winner deletes the old SA.
        if (old.PeerReplacement is { } theirs && _sas.ContainsKey(theirs.LocalSpi))
        {
            bool oursRedundant = fresh.LowestNonce.AsSpan().SequenceCompareTo(theirs.LowestNonce) < 0;
            IkeSa survivor = oursRedundant ? theirs : fresh, loser = oursRedundant ? fresh : theirs;
            (survivor.Replaced, loser.Replaced) = (false, true);
            survivor.Children.AddRange(loser.Children);
            loser.Children.Clear();
            survivor.Lease ??= loser.Lease;
            loser.Lease = null;
            if (oursRedundant)
            {
                SendDeleteIkeSa(fresh);
                return;
            }
            // Its initiator should delete it, but may never learn it exists if our answer to it was lost and
            // the old SA is gone before a retransmission: delete it from here too (a second DELETE is harmless).
            SendDeleteIkeSa(theirs);
        }
        if (old.Outstanding is null) SendDeleteIkeSa(old);
        else old.DeleteQueued = true;
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKE SA rekeying as responder (RFC 7296 §1.3.2, keys per §2.18).
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
        byte[] skeyseed = KeyDerivation.RekeySkeyseed(old.Prf!, old.Keys!.SkD, shared, fresh.NonceI, fresh.NonceR);
        CryptographicOperations.ZeroMemory(shared);
        DeriveFromSkeyseed(fresh, suite, skeyseed);
        fresh.State = IkeSaState.Established;
        fresh.EstablishedAt = Now;
        fresh.LastInbound = Now;
        fresh.Children.AddRange(old.Children);
        old.Children.Clear();
        // The peer deletes the old IKE SA next; until then it only answers, it starts nothing.
        old.State = IkeSaState.Deleting;
        _sas.Add(fresh.ResponderSpi, fresh);
        _log.LogInformation("IKE SA {Old:x16} of '{Tunnel}' rekeyed to {SpiI:x16}_i {SpiR:x16}_r ({Suite})",
            old.LocalSpi, config.Name, fresh.InitiatorSpi, fresh.ResponderSpi, fresh.SuiteName);
        RaiseEstablished(fresh);
    }
}

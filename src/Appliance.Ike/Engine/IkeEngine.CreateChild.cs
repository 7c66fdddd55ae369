using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// CREATE_CHILD_SA as responder (RFC 7296 §1.3.1 new Child SA, §1.3.3 Child SA rekey with optional PFS KE,
// §1.3.2 IKE SA rekey). We never start CREATE_CHILD_SA ourselves yet, so there are no rekey collisions.
public sealed partial class IkeEngine
{
    private void HandleCreateChildSaRequest(IkeSa sa, IkeHeader h, List<IkePayload> p)
    {
        if (sa.State == IkeSaState.Deleting)
        {
            // Replaced or being deleted (e.g. our own rekey of it finished first): nothing new on it (§2.25).
            SendResponse(sa, h, [new NotifyPayload(NotifyType.TemporaryFailure)]);
            return;
        }
        if (sa.State != IkeSaState.Established)
        {
            Counters.Increment(IkeCounter.UnexpectedExchange);
            return;
        }
        SaPayload? saPayload = Find<SaPayload>(p);
        NoncePayload? nonce = Find<NoncePayload>(p);
        TsPayload? tsi = FindTs(p, responder: false);
        TsPayload? tsr = FindTs(p, responder: true);
        bool ikeRekey = saPayload is not null && saPayload.Proposals.Count > 0 && saPayload.Proposals.All(x => x.Protocol == ProtocolId.Ike);
        // §2.25: while we rekey the IKE SA we take no Child SA work on it, and while we rekey or delete a Child SA
        // we do not let the IKE SA be rekeyed; the peer retries later.
        if (ikeRekey ? sa.Outstanding?.Kind is RequestKind.RekeyChildSa or RequestKind.DeleteChildSa : sa.Rekeying)
        {
            SendResponse(sa, h, [new NotifyPayload(NotifyType.TemporaryFailure)]);
            return;
        }
        if (ikeRekey)
        {
            RekeyIkeSaAsResponder(sa, h, p, saPayload!);
            return;
        }
        if (saPayload is null || nonce is null || tsi is null || tsr is null)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            SendResponse(sa, h, [new NotifyPayload(NotifyType.InvalidSyntax)]);
            return;
        }
        IkeTunnelConfig config = sa.Config!;
        ChildSa? old = null;
        if (FindNotify(p, NotifyType.RekeySa) is { } rekey)
        {
            uint oldSpi = rekey.Spi.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(rekey.Spi) : 0;
            old = sa.Children.FirstOrDefault(c => c.Info.OutboundSpi == oldSpi && c.Info.Protocol == rekey.Protocol);
            if (old is null)
            {
                SendResponse(sa, h, [new NotifyPayload(rekey.Protocol, rekey.Spi, NotifyType.ChildSaNotFound, [])]);
                return;
            }
            if (old.Retiring && !old.Rekeying)
            {
                // We are deleting it already (our rekey finished first): the peer's rekey is moot (§2.25).
                SendResponse(sa, h, [new NotifyPayload(NotifyType.TemporaryFailure)]);
                return;
            }
        }
        ProtocolId protocol = config.ChildProtocol;
        var choice = ProposalNegotiation.Select(saPayload.Proposals, config.ParseChildProposals(), protocol, useDh: true);
        if (choice is null || choice.Value.Peer.Spi.Length != 4 || AhAcrossNat(sa, protocol))
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            SendResponse(sa, h, [new NotifyPayload(NotifyType.NoProposalChosen)]);
            return;
        }
        (Proposal peer, TransformSet suite) = choice.Value;
        KePayload? ke = Find<KePayload>(p);
        byte[] shared = [];
        KeyExchange? kex = null;
        if (suite.Dh != DhGroup.None)
        {
            if (ke is null || ke.DhGroup != (ushort)suite.Dh)
            {
                Counters.Increment(IkeCounter.InvalidKePayload);
                var group = new byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(group, (ushort)suite.Dh);
                SendResponse(sa, h, [new NotifyPayload(NotifyType.InvalidKePayload, group)]);
                return;
            }
            kex = KeyExchange.Create(suite.Dh, new RandomAdapter(_random));
            if (!kex.TryComputeSharedSecret(ke.Data, out shared))
            {
                kex.Dispose();
                Counters.Increment(IkeCounter.InvalidSyntax);
                SendResponse(sa, h, [new NotifyPayload(NotifyType.InvalidSyntax)]);
                return;
            }
        }
        List<TrafficSelector> narrowedI = TsNarrowing.Narrow(tsi.Selectors, RemoteSelectorsFor(sa, config));
        List<TrafficSelector> narrowedR = TsNarrowing.Narrow(tsr.Selectors, config.LocalTs);
        if (narrowedI.Count == 0 || narrowedR.Count == 0)
        {
            kex?.Dispose();
            Counters.Increment(IkeCounter.TsUnacceptable);
            SendResponse(sa, h, [new NotifyPayload(NotifyType.TsUnacceptable)]);
            return;
        }
        bool transport = config.Mode == IpsecMode.Transport && FindNotify(p, NotifyType.UseTransportMode) is not null;
        byte[] nr = RandomBytes(Math.Max(Options.NonceSize, 16));
        uint inbound = NewChildSpi();
        uint outbound = BinaryPrimitives.ReadUInt32BigEndian(peer.Spi);
        var response = new List<IkePayload>
        {
            new SaPayload([ProposalNegotiation.Reply(peer.Number, protocol, SpiBytes(inbound), suite, includeDh: suite.Dh != DhGroup.None)]),
            new NoncePayload(nr),
        };
        if (kex is not null)
            response.Add(new KePayload((ushort)kex.Group, kex.PublicValue.ToArray()));
        response.Add(new TsPayload(false, narrowedI));
        response.Add(new TsPayload(true, narrowedR));
        if (transport)
            response.Add(new NotifyPayload(NotifyType.UseTransportMode));
        ChildSa child = BuildChild(sa, protocol, suite, inbound, outbound, transport, narrowedR, narrowedI, shared, nonce.Data, nr, weInitiatedExchange: false);
        CryptographicOperations.ZeroMemory(shared);
        kex?.Dispose();
        SendResponse(sa, h, response);
        sa.Children.Add(child);
        if (old is not null)
        {
            if (old.Rekeying) (old.PeerReplacement, child.Replaced) = (child, true); // a collision: one of two new SAs goes
            else (old.Retiring, old.Replaced) = (true, true); // the peer deletes it next
        }
        _log.LogDebug("IKE SA {Spi:x16}: Child SA {In:x8}/{Out:x8} created{Rekey}", sa.LocalSpi, inbound, outbound,
            old is null ? "" : $" rekeying {old.Info.InboundSpi:x8}");
        // The old Child SA stays until the peer deletes it (§2.8): both must be able to receive meanwhile.
        Raise(new ChildSaEstablished(sa.TunnelName, child.Info, old?.Info.InboundSpi) { AnsweredPeerRekey = old is not null });
    }
}

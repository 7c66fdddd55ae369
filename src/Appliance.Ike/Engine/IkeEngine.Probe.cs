using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike;

// Gateway probes: the first message of a real connection, timed until any answer.
public sealed partial class IkeEngine
{
    /// <summary>
    /// An IKE_SA_INIT request as <paramref name="config"/> would open a connection to <paramref name="remote"/> (its IKE
    /// proposals, a fresh key share, a nonce), kept nowhere: the host sends it, times the answer and drops it. Any answer
    /// (the responder's IKE_SA_INIT, a COOKIE or INVALID_KE_PAYLOAD request, NO_PROPOSAL_CHOSEN) proves the gateway's IKE
    /// daemon is alive, and the round trip is the one a real connection pays. The gateway keeps a half-open SA until
    /// its own timeout (strongSwan: 30 s), as for any initiator that goes away.
    /// </summary>
    public byte[] BuildGatewayProbe(IkeTunnelConfig config, IPEndPoint local, IPEndPoint remote, out ulong initiatorSpi)
    {
        List<ProposalSpec> specs = config.IkeProposals.Select(ProposalParser.ParseIke).ToList();
        DhGroup group = specs[0].Dh.First(g => g != DhGroup.None);
        using var keyExchange = KeyExchange.Create(group, new RandomAdapter(_random));
        lock (_gate)
        {
            initiatorSpi = NewIkeSpi();
            var payloads = new List<IkePayload>
            {
                new SaPayload(ProposalNegotiation.ToProposals(specs, ProtocolId.Ike, [], includeDh: true)),
                new KePayload((ushort)keyExchange.Group, keyExchange.PublicValue.ToArray()),
                new NoncePayload(RandomBytes(Options.NonceSize)),
            };
            payloads.AddRange(NatDetectionNotifies(initiatorSpi, 0, local, remote, config.ForceUdpEncapsulation));
            var header = new IkeHeader(initiatorSpi, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0);
            return PayloadCodec.EncodePlain(header, payloads);
        }
    }

    /// <summary>Whether a datagram is an IKE_SA_INIT response (message ID 0), and to which initiator SPI.</summary>
    public static bool TryReadInitResponse(ReadOnlySpan<byte> datagram, out ulong initiatorSpi)
    {
        initiatorSpi = 0;
        if (datagram.Length < IkeHeader.Size) return false;
        var exchange = (ExchangeType)datagram[18];
        var flags = (IkeFlags)datagram[19];
        if (exchange != ExchangeType.IkeSaInit || (flags & IkeFlags.Response) == 0 || (flags & IkeFlags.Initiator) != 0
            || BinaryPrimitives.ReadUInt32BigEndian(datagram[20..]) != 0)
            return false;
        initiatorSpi = BinaryPrimitives.ReadUInt64BigEndian(datagram);
        return true;
    }
}

using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

/// <summary>
/// Opens every SK-protected message the two peers exchanged on their first IKE SA, with the keys the engines
/// reported, so a test can check what went on the wire (SA payload protocols, REKEY_SA and Delete protocols).
/// </summary>
internal static class AhWire
{
    public sealed record Opened(bool FromA, IkeHeader Header, List<IkePayload> Inner);

    public static List<Opened> Open(TestPeers peers)
    {
        IkeSaEstablished e = peers.EventsA.OfType<IkeSaEstablished>().First();
        var enc = (EncryptionAlgorithm)e.Keys.EncryptionTransformId;
        var integ = (IntegrityAlgorithm)e.Keys.IntegrityTransformId;
        using var toResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, integ, e.Keys.SkEi, e.Keys.SkAi);
        using var fromResponder = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, integ, e.Keys.SkEr, e.Keys.SkAr);
        var opened = new List<Opened>();
        foreach ((bool fromA, OutgoingDatagram d) in peers.Delivered)
        {
            Assert.True(PayloadCodec.TryDecodeMessage(d.Payload, out DecodedMessage? m).IsOk);
            if (m!.EncryptedOffset < 0 || m.Header.InitiatorSpi != e.InitiatorSpi || m.Header.ResponderSpi != e.ResponderSpi)
                continue; // IKE_SA_INIT is plaintext
            var inner = new List<IkePayload>();
            Assert.Equal(SkCodec.OpenStatus.Ok, SkCodec.TryOpen(m, m.Header.IsFromInitiator ? toResponder : fromResponder, inner, out _));
            opened.Add(new Opened(fromA, m.Header, inner));
        }
        return opened;
    }

    public static Opened Request(List<Opened> messages, ExchangeType exchange, int index = 0) =>
        messages.Where(o => o.Header.Exchange == exchange && !o.Header.IsResponse).ElementAt(index);

    public static Opened Response(List<Opened> messages, ExchangeType exchange, int index = 0) =>
        messages.Where(o => o.Header.Exchange == exchange && o.Header.IsResponse).ElementAt(index);

    /// <summary>Every proposal is AH with a 4-byte SPI and carries no cipher (RFC 7296 §3.3.3).</summary>
    public static void AssertAhProposals(SaPayload sa)
    {
        Assert.NotEmpty(sa.Proposals);
        foreach (Proposal p in sa.Proposals)
        {
            Assert.Equal(ProtocolId.Ah, p.Protocol);
            Assert.Equal(4, p.Spi.Length);
            Assert.DoesNotContain(p.Transforms, t => t.Type == TransformType.Encryption);
            Assert.Contains(p.Transforms, t => t.Type == TransformType.Integrity);
            Assert.Contains(p.Transforms, t => t.Type == TransformType.ExtendedSequenceNumbers);
        }
    }
}

using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Crypto;

public class AhNegotiationTests
{
    private static readonly Prf Sha256 = new(PrfAlgorithm.HmacSha256);

    [Theory]
    [InlineData(IntegrityAlgorithm.HmacSha256_128, 32)]
    [InlineData(IntegrityAlgorithm.HmacSha512_256, 64)]
    public void Ah_keymat_is_the_two_integrity_keys_in_rfc_7296_order(IntegrityAlgorithm integ, int keyBytes)
    {
        byte[] skD = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        byte[] ni = new byte[16], nr = Enumerable.Repeat((byte)0xee, 16).ToArray();
        var suite = new TransformSet(EncryptionAlgorithm.None, 0, null, integ, DhGroup.None, [EsnMode.NoEsn]);
        (ChildSaKeys i2r, ChildSaKeys r2i) = ChildSaKeyMaterial.Derive(Sha256, skD, [], ni, nr, suite);
        // §2.17: KEYMAT = prf+(SK_d, Ni | Nr); with no encryption key, SK_ai comes first, then SK_ar.
        byte[] keymat = KeyDerivation.ChildKeyMaterial(Sha256, skD, [], ni, nr, 2 * keyBytes);
        Assert.Equal(keymat[..keyBytes], i2r.IntegrityKey);
        Assert.Equal(keymat[keyBytes..], r2i.IntegrityKey);
        Assert.Empty(i2r.EncryptionKey);
        Assert.Empty(i2r.Salt);
        Assert.Empty(r2i.EncryptionKey);
        Assert.Empty(r2i.Salt);
    }

    [Fact]
    public void An_ah_proposal_is_written_without_cipher_and_selected_by_integrity()
    {
        List<ProposalSpec> ours = [ProposalParser.ParseAh("sha384-sha256-esn-noesn")];
        List<Proposal> offered = ProposalNegotiation.ToProposals(ours, ProtocolId.Ah, [1, 2, 3, 4], includeDh: false);
        Proposal p = Assert.Single(offered);
        Assert.Equal(ProtocolId.Ah, p.Protocol);
        Assert.Equal([TransformType.Integrity, TransformType.Integrity, TransformType.ExtendedSequenceNumbers, TransformType.ExtendedSequenceNumbers],
            p.Transforms.Select(t => t.Type));

        var selected = ProposalNegotiation.Select(offered, [ProposalParser.ParseAh("sha256-esn")], ProtocolId.Ah, useDh: false);
        Assert.NotNull(selected);
        TransformSet s = selected.Value.Selected;
        Assert.Equal((EncryptionAlgorithm.None, 0, (PrfAlgorithm?)null, IntegrityAlgorithm.HmacSha256_128, DhGroup.None),
            (s.Encryption, s.EncryptionKeyBits, s.Prf, s.Integrity, s.Dh));
        Assert.Equal([EsnMode.Esn], s.Esn);
        Assert.Equal("HMAC_SHA2_256_128/ESN", ProposalParser.Format(selected.Value.Selected));

        Proposal reply = ProposalNegotiation.Reply(1, ProtocolId.Ah, [5, 6, 7, 8], selected.Value.Selected, includeDh: false);
        Assert.DoesNotContain(reply.Transforms, t => t.Type == TransformType.Encryption);
        Assert.NotNull(ProposalNegotiation.AcceptReply(new SaPayload([reply]), ours, ProtocolId.Ah, useDh: false));
    }

    [Fact]
    public void An_ah_proposal_with_a_cipher_or_an_esp_proposal_is_not_acceptable_as_ah()
    {
        List<ProposalSpec> ours = [ProposalParser.ParseAh("sha256")];
        var withCipher = new Proposal(1, ProtocolId.Ah, [1, 2, 3, 4],
            [new Transform(TransformType.Encryption, (ushort)EncryptionAlgorithm.AesCbc, 128), new Transform(TransformType.Integrity, 12),
             new Transform(TransformType.ExtendedSequenceNumbers, 0)]);
        Assert.Null(ProposalNegotiation.Select([withCipher], ours, ProtocolId.Ah, useDh: false));
        List<Proposal> esp = ProposalNegotiation.ToProposals([ProposalParser.ParseEsp("aes128-sha256")], ProtocolId.Esp, [1, 2, 3, 4], includeDh: false);
        Assert.Null(ProposalNegotiation.Select(esp, ours, ProtocolId.Ah, useDh: false));
        Assert.Null(ProposalNegotiation.Select(ProposalNegotiation.ToProposals(ours, ProtocolId.Ah, [1, 2, 3, 4], includeDh: false),
            [ProposalParser.ParseEsp("aes128-sha256")], ProtocolId.Esp, useDh: false));
    }
}

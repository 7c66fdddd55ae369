using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Messages;

public class SkCodecTests
{
    // RFC 7634 Appendix B: IKEv2 INFORMATIONAL request, SPIs c0..c7 / d0..d7, message ID 9, one SK payload
    // holding a SET_WINDOW_SIZE (16385) notify with data 0000000a; ChaCha20-Poly1305 key 80..9f, salt a0a1a2a3,
    // IV 1011121314151617. The whole 69-byte message, header to ICV, byte for byte.
    private const string Rfc7634AppendixB =
        "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d7" + "2e20250000000009" + "00000045" + "29000029" +
        "1011121314151617" + "610394701f8d017f7c12924889" + "6b71bfe25236efd7cdc67066906315b2";

    private static SkProtection ChaCha() => SkProtection.Create(EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None,
        [.. Enumerable.Range(0x80, 32).Select(i => (byte)i), 0xa0, 0xa1, 0xa2, 0xa3], []);

    [Fact]
    public void Encodes_rfc7634_appendix_b_byte_for_byte()
    {
        using SkProtection sk = ChaCha();
        var header = new IkeHeader(0xc0c1c2c3c4c5c6c7, 0xd0d1d2d3d4d5d6d7, PayloadType.None, IkeHeader.Ikev2,
            ExchangeType.Informational, IkeFlags.None, 9, 0);
        byte[] message = SkCodec.Encode(header, [new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 0x0a])], sk,
            Convert.FromHexString("1011121314151617"));
        Assert.Equal(Rfc7634AppendixB, Convert.ToHexStringLower(message));
    }

    [Fact]
    public void Decodes_rfc7634_appendix_b()
    {
        using SkProtection sk = ChaCha();
        Assert.True(PayloadCodec.TryDecodeMessage(Convert.FromHexString(Rfc7634AppendixB), out DecodedMessage? m).IsOk);
        Assert.Equal(ExchangeType.Informational, m!.Header.Exchange);
        Assert.Equal(9u, m.Header.MessageId);
        var inner = new List<IkePayload>();
        Assert.Equal(SkCodec.OpenStatus.Ok, SkCodec.TryOpen(m, sk, inner, out _));
        NotifyPayload n = Assert.IsType<NotifyPayload>(Assert.Single(inner));
        Assert.Equal(NotifyType.SetWindowSize, n.NotifyType);
        Assert.Equal(new byte[] { 0, 0, 0, 0x0a }, n.Data);
    }

    [Fact]
    public void Any_flipped_bit_fails_the_integrity_check()
    {
        using SkProtection sk = ChaCha();
        byte[] good = Convert.FromHexString(Rfc7634AppendixB);
        // Header fields other than lengths (which the decoder already rejects) are covered by the AEAD tag.
        foreach (int at in new[] { 0, 8, 17, 20, 28, 32, 40, 50, 68 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[at] ^= 0x01;
            if (!PayloadCodec.TryDecodeMessage(bad, out DecodedMessage? m).IsOk)
                continue;
            Assert.NotEqual(SkCodec.OpenStatus.Ok, SkCodec.TryOpen(m!, sk, [], out _));
        }
    }
}

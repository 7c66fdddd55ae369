using System.Buffers.Binary;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Messages;

public class PayloadCodecTests
{
    private static byte[] Message(params IkePayload[] payloads) => PayloadCodec.EncodePlain(
        new IkeHeader(0x0102030405060708, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0), payloads);

    [Fact]
    public void Every_payload_round_trips()
    {
        var sa = new SaPayload([
            new Proposal(1, ProtocolId.Ike, [], [new Transform(TransformType.Encryption, 20, 256), new Transform(TransformType.PseudoRandomFunction, 5),
                new Transform(TransformType.DiffieHellmanGroup, 31)]),
            new Proposal(2, ProtocolId.Esp, [9, 8, 7, 6], [new Transform(TransformType.Encryption, 28), new Transform(TransformType.ExtendedSequenceNumbers, 0)])]);
        byte[] bytes = Message(sa, new KePayload(31, new byte[32]), new NoncePayload(new byte[32]),
            new NotifyPayload(NotifyType.NatDetectionSourceIp, new byte[20]), new IdPayload(false, IkeIdentity.Parse("a@b")),
            new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[32]), new CertificatePayload(true, 4, new byte[20]),
            new DeletePayload(ProtocolId.Esp, [0x11111111, 0x22222222]), new VendorIdPayload([1, 2, 3]),
            new TsPayload(false, [TrafficSelector.Parse("10.0.0.0/8[tcp/80]"), TrafficSelector.Parse("2001:db8::/32")]),
            new TsPayload(true, [TrafficSelector.Parse("0.0.0.0/0")]), new ConfigurationPayload(1, [(1, [])]),
            new EapPayload([1, 2, 0, 4]));
        DecodeResult r = PayloadCodec.TryDecodeMessage(bytes, out DecodedMessage? m);
        Assert.True(r.IsOk, r.Error);
        Assert.Equal(13, m!.Payloads.Count);
        SaPayload sa2 = Assert.IsType<SaPayload>(m.Payloads[0]);
        Assert.Equal(256, sa2.Proposals[0].Transforms[0].KeyLength);
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, sa2.Proposals[1].Spi);
        Assert.Null(sa2.Proposals[1].Transforms[0].KeyLength);
        Assert.Equal("a@b", Assert.IsType<IdPayload>(m.Payloads[4]).Identity.ToString());
        Assert.Equal([0x11111111u, 0x22222222u], Assert.IsType<DeletePayload>(m.Payloads[7]).Spis);
        TsPayload ts = Assert.IsType<TsPayload>(m.Payloads[9]);
        Assert.Equal(TrafficSelector.Parse("10.0.0.0/8[tcp/80]"), ts.Selectors[0]);
        Assert.Equal(TrafficSelector.Parse("2001:db8::/32"), ts.Selectors[1]);
        // Re-encoding what we decoded gives the same bytes.
        Assert.Equal(bytes, PayloadCodec.EncodePlain(m.Header, m.Payloads));
    }

    [Fact]
    public void Header_length_must_equal_the_datagram()
    {
        byte[] bytes = Message(new NoncePayload(new byte[16]));
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(bytes[..^1], out _).Status);
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage([.. bytes, 0], out _).Status);
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(bytes[..27], out _).Status);
    }

    [Fact]
    public void Major_version_other_than_two_is_reported()
    {
        byte[] bytes = Message(new NoncePayload(new byte[16]));
        bytes[17] = 0x30;
        Assert.Equal(DecodeStatus.InvalidMajorVersion, PayloadCodec.TryDecodeMessage(bytes, out _).Status);
    }

    [Fact]
    public void Duplicate_singleton_payloads_are_rejected_but_notifies_may_repeat()
    {
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(Message(new NoncePayload(new byte[16]), new NoncePayload(new byte[16])), out _).Status);
        Assert.True(PayloadCodec.TryDecodeMessage(Message(new NotifyPayload(NotifyType.Cookie, [1]), new NotifyPayload(NotifyType.Cookie, [2])), out _).IsOk);
    }

    [Fact]
    public void Unknown_payloads_are_skipped_unless_critical()
    {
        byte[] bytes = Message(new NoncePayload(new byte[16]), new VendorIdPayload([1, 2, 3, 4]));
        // Retype the vendor ID payload (next-payload field of the nonce header) as unknown type 200.
        bytes[28] = 200;
        Assert.True(PayloadCodec.TryDecodeMessage(bytes, out DecodedMessage? m).IsOk);
        Assert.Equal(200, Assert.IsType<UnknownPayload>(m!.Payloads[1]).RawType);
        int second = 28 + 4 + 16;
        bytes[second + 1] = 0x80; // critical bit
        DecodeResult r = PayloadCodec.TryDecodeMessage(bytes, out _);
        Assert.Equal(DecodeStatus.UnsupportedCriticalPayload, r.Status);
        Assert.Equal(200, r.CriticalPayloadType);
    }

    [Fact]
    public void Payload_lengths_are_bounds_checked()
    {
        byte[] bytes = Message(new NoncePayload(new byte[16]));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(30), 3);
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(bytes, out _).Status);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(30), 200);
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(bytes, out _).Status);
    }

    [Fact]
    public void Nonce_size_limits_of_rfc7296_section_3_9_are_enforced()
    {
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(Message(new NoncePayload(new byte[15])), out _).Status);
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(Message(new NoncePayload(new byte[257])), out _).Status);
    }

    [Fact]
    public void Encrypted_fragments_parse_and_encrypted_must_be_last()
    {
        byte[] bytes = Message(new EncryptedFragmentPayload(PayloadType.IdentificationInitiator, 1, 2, new byte[40]));
        Assert.True(PayloadCodec.TryDecodeMessage(bytes, out DecodedMessage? m).IsOk);
        Assert.Equal(28, m!.EncryptedOffset);
        byte[] notLast = Message(new EncryptedPayload(PayloadType.None, new byte[40]), new NoncePayload(new byte[16]));
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(notLast, out _).Status);
    }

    [Fact]
    public void Transform_substructure_flags_must_agree_with_counts()
    {
        var sa = new SaPayload([new Proposal(1, ProtocolId.Ike, [], [new Transform(TransformType.Encryption, 20, 128), new Transform(TransformType.PseudoRandomFunction, 5)])]);
        byte[] bytes = Message(sa);
        Assert.True(PayloadCodec.TryDecodeMessage(bytes, out _).IsOk);
        bytes[28 + 4 + 8] = 0; // first transform claims to be the last
        Assert.Equal(DecodeStatus.Malformed, PayloadCodec.TryDecodeMessage(bytes, out _).Status);
    }
}

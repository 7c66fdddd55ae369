using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Engine;

/// <summary>Mutated real messages must be dropped and counted, never throw, and never break the engine.</summary>
public class FuzzTests
{
    private static List<(bool FromA, OutgoingDatagram Datagram)> RecordConversation(string ike)
    {
        var peers = TestPeers.Standard(ike: ike, esp: "aes128-sha256");
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        peers.A.Terminate("to-b");
        peers.Pump();
        Assert.Equal(8, peers.Delivered.Count);
        return peers.Delivered;
    }

    private static IEnumerable<byte[]> Mutations(byte[] message, Random random)
    {
        for (int length = 0; length < message.Length; length += Math.Max(1, message.Length / 40))
            yield return message[..length];                                   // truncated
        yield return [.. message, .. new byte[random.Next(1, 64)]];           // trailing garbage
        byte[] huge = new byte[message.Length + 70000];
        message.CopyTo(huge, 0);
        yield return huge;                                                    // oversized
        for (int i = 0; i < 300; i++)
        {
            byte[] flipped = (byte[])message.Clone();
            int flips = 1 + random.Next(3);
            for (int f = 0; f < flips; f++)
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            yield return flipped;                                             // bit flips
        }
        for (int i = 0; i < 50; i++)
        {
            byte[] lengths = (byte[])message.Clone();
            int at = 28 + random.Next(Math.Max(1, lengths.Length - 28));
            if (at + 1 < lengths.Length)
            {
                lengths[at] = (byte)random.Next(256);                       // random field bytes past the header
                lengths[at + 1] = (byte)random.Next(256);
            }
            yield return lengths;
        }
    }

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519")]
    [InlineData("aes128-sha256-modp2048")]
    public void Mutated_messages_are_counted_drops_and_the_engines_still_work(string ike)
    {
        var conversation = RecordConversation(ike);
        var random = new Random(42);
        var target = TestPeers.Standard(ike: ike, esp: "aes128-sha256");
        target.A.Initiate("to-b");
        target.Pump();
        long before = Drops(target.A) + Drops(target.B);
        int fed = 0;
        foreach ((bool fromA, OutgoingDatagram d) in conversation)
        {
            foreach (byte[] mutated in Mutations(d.Payload, random))
            {
                IkeEngine receiver = fromA ? target.B : target.A;
                receiver.HandleDatagram(d.Remote, d.Local, mutated); // must not throw
                fed++;
                while (receiver.TryDequeueOutgoing(out _)) { }
            }
        }
        target.Collect();
        long after = Drops(target.A) + Drops(target.B);
        Assert.True(after - before > fed / 2, $"{after - before} drops counted for {fed} mutated messages");
        Assert.Equal(0, target.A.Counters[IkeCounter.InternalError]);
        Assert.Equal(0, target.B.Counters[IkeCounter.InternalError]);
        Assert.Empty(target.EventsA.OfType<IkeSaDeleted>());

        // The SA the mutations were thrown at is still usable: a liveness check goes through.
        target.Delivered.Clear();
        target.A.CheckLiveness("to-b");
        target.Pump();
        Assert.Equal(2, target.Delivered.Count);
        target.Drop = null;
        target.A.Terminate("to-b");
        target.Pump();
        target.Single<IkeSaDeleted>(target.EventsB);
    }

    /// <summary>
    /// Past the integrity check: mutated inner payloads of CREATE_CHILD_SA (Child and IKE rekey) and INFORMATIONAL
    /// requests, encrypted with the right keys, so the payload parsers and exchange handlers see them.
    /// </summary>
    [Fact]
    public void Mutated_payloads_inside_a_valid_sk_payload_never_cause_an_internal_error()
    {
        var peers = TestPeers.Standard();
        peers.A.Initiate("to-b");
        peers.Pump();
        IkeSaEstablished e = peers.Single<IkeSaEstablished>(peers.EventsA);
        ChildSaInfo child = peers.Single<ChildSaEstablished>(peers.EventsA).Child;
        using var kex = KeyExchange.Create(DhGroup.Curve25519);
        byte[] spi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spi, child.InboundSpi);
        List<IkePayload>[] templates =
        [
            [new NotifyPayload(ProtocolId.Esp, spi, NotifyType.RekeySa, []),
             new SaPayload([new Proposal(1, ProtocolId.Esp, [9, 9, 9, 9], [new Transform(TransformType.Encryption, 20, 256), new Transform(TransformType.ExtendedSequenceNumbers, 0)])]),
             new NoncePayload(new byte[32]), new TsPayload(false, [TrafficSelector.Parse("10.1.0.0/16")]), new TsPayload(true, [TrafficSelector.Parse("10.2.0.0/16")])],
            [new SaPayload([new Proposal(1, ProtocolId.Ike, [1, 2, 3, 4, 5, 6, 7, 8], [new Transform(TransformType.Encryption, 20, 256),
                 new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)])]),
             new NoncePayload(new byte[32]), new KePayload(31, kex.PublicValue.ToArray())],
            [new DeletePayload(ProtocolId.Esp, [child.InboundSpi]), new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 1])],
        ];
        var enc = (EncryptionAlgorithm)e.Keys.EncryptionTransformId;
        using var sk = SkProtection.Create(enc, e.Keys.EncryptionKeyBits, (IntegrityAlgorithm)e.Keys.IntegrityTransformId, e.Keys.SkEi, e.Keys.SkAi);
        var random = new Random(7);
        uint messageId = 2;
        ulong iv = 1000;
        int answered = 0;
        for (int round = 0; round < 600; round++)
        {
            int which = round % templates.Length;
            byte[] plain = PayloadCodec.EncodeChain(templates[which]);
            byte first = (byte)templates[which][0].Type;
            if (random.Next(4) == 0)
                plain = plain[..random.Next(plain.Length)];
            else
                for (int f = 1 + random.Next(3); f > 0; f--)
                    plain[random.Next(plain.Length)] ^= (byte)(1 << random.Next(8));
            var exchange = which == 2 ? ExchangeType.Informational : ExchangeType.CreateChildSa;
            byte[] message = Seal(e, exchange, messageId, first, plain, sk, iv++);
            peers.B.HandleDatagram(new IPEndPoint(TestPeers.AddressB, 500), new IPEndPoint(TestPeers.AddressA, 500), message);
            if (peers.B.TryDequeueOutgoing(out _))
            {
                messageId++;
                answered++;
            }
            while (peers.B.TryDequeueOutgoing(out _)) { }
        }
        Assert.Equal(0, peers.B.Counters[IkeCounter.InternalError]);
        Assert.True(answered > 0 && peers.B.Counters[IkeCounter.Malformed] > 0, $"{answered} answered");
    }

    /// <summary>
    /// The unauthenticated attack surface: the test plays an initiator by hand (its own IKE_SA_INIT and keys), then
    /// sends IKE_AUTH requests whose inner payloads are mutated but correctly protected, so IDi/AUTH/SA/TS
    /// parsing and the PSK check see them. Unmutated rounds must establish, mutated ones must never break the engine.
    /// </summary>
    [Fact]
    public void Mutated_ike_auth_payloads_behind_a_valid_sk_payload_never_cause_an_internal_error()
    {
        var peers = TestPeers.Standard();
        var random = new Random(11);
        IPEndPoint a = new(TestPeers.AddressA, 500), b = new(TestPeers.AddressB, 500);
        byte[] psk = "correct horse battery staple"u8.ToArray();
        int established = 0, answered = 0;
        for (int round = 0; round < 150; round++)
        {
            ulong spiI = (ulong)random.NextInt64(1, long.MaxValue);
            byte[] ni = new byte[32];
            random.NextBytes(ni);
            using var kex = KeyExchange.Create(DhGroup.Curve25519);
            byte[] init = PayloadCodec.EncodePlain(new IkeHeader(spiI, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0),
            [
                new SaPayload([new Proposal(1, ProtocolId.Ike, [], [new Transform(TransformType.Encryption, 20, 256),
                    new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)])]),
                new KePayload(31, kex.PublicValue.ToArray()), new NoncePayload(ni),
            ]);
            peers.B.HandleDatagram(b, a, init);
            Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram initReply));
            Assert.True(PayloadCodec.TryDecodeMessage(initReply.Payload, out DecodedMessage? r).IsOk);
            byte[] nr = r!.Payloads.OfType<NoncePayload>().Single().Data;
            Assert.True(kex.TryComputeSharedSecret(r.Payloads.OfType<KePayload>().Single().Data, out byte[] shared));
            var prf = new Prf(PrfAlgorithm.HmacSha256);
            IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, KeyDerivation.Skeyseed(prf, ni, nr, shared), ni, nr, spiI, r.Header.ResponderSpi, 36, 0);

            var idi = new IdPayload(false, IkeIdentity.Parse("a.example.com"));
            byte[] auth = Appliance.Ike.Exchanges.PskAuthentication.Compute(prf, psk, init, nr, keys.SkPi, idi.Body);
            List<IkePayload> payloads =
            [
                idi, new NotifyPayload(NotifyType.InitialContact), new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, auth),
                new SaPayload([new Proposal(1, ProtocolId.Esp, [1, 2, 3, 4], [new Transform(TransformType.Encryption, 20, 256), new Transform(TransformType.ExtendedSequenceNumbers, 0)])]),
                new TsPayload(false, [TrafficSelector.Parse("10.1.0.0/16")]), new TsPayload(true, [TrafficSelector.Parse("10.2.0.0/16")]),
            ];
            byte[] plain = PayloadCodec.EncodeChain(payloads);
            bool mutate = round % 10 != 0;
            if (mutate)
            {
                if (random.Next(4) == 0)
                    plain = plain[..random.Next(plain.Length)];
                else
                    for (int f = 1 + random.Next(3); f > 0; f--)
                        plain[random.Next(plain.Length)] ^= (byte)(1 << random.Next(8));
            }
            using var sk = SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, keys.SkEi, []);
            var e = new IkeSaEstablished("x", spiI, r.Header.ResponderSpi, true, "", a, b, IkeIdentity.Any,
                false, new IkeSaKeyInfo(spiI, r.Header.ResponderSpi, keys.SkEi, keys.SkEr, keys.SkAi, keys.SkAr, 20, 256, 0));
            peers.B.HandleDatagram(b, a, Seal(e, ExchangeType.IkeAuth, 1, (byte)PayloadType.IdentificationInitiator, plain, sk, (ulong)round));
            while (peers.B.TryDequeueOutgoing(out _))
                answered++;
            while (peers.B.TryDequeueEvent(out IkeEvent ev))
                if (ev is IkeSaEstablished && !mutate)
                    established++;
        }
        Assert.Equal(15, established);
        Assert.True(answered > 15);
        Assert.Equal(0, peers.B.Counters[IkeCounter.InternalError]);
    }

    private static byte[] Seal(IkeSaEstablished e, ExchangeType exchange, uint messageId, byte firstInner, byte[] plain, SkProtection sk, ulong ivCounter)
    {
        int length = IkeHeader.Size + 4 + sk.GetProtectedLength(plain.Length);
        var m = new byte[length];
        BinaryPrimitives.WriteUInt64BigEndian(m, e.InitiatorSpi);
        BinaryPrimitives.WriteUInt64BigEndian(m.AsSpan(8), e.ResponderSpi);
        m[16] = (byte)PayloadType.EncryptedAndAuthenticated;
        m[17] = IkeHeader.Ikev2;
        m[18] = (byte)exchange;
        m[19] = (byte)IkeFlags.Initiator;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(20), messageId);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)length);
        m[28] = firstInner;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(30), (ushort)(length - IkeHeader.Size));
        var iv = new byte[sk.IvSize];
        BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(iv.Length - 8), ivCounter);
        sk.Protect(m.AsSpan(0, 32), plain, iv, m.AsSpan(32));
        return m;
    }

    private static long Drops(IkeEngine e) =>
        e.Counters[IkeCounter.Malformed] + e.Counters[IkeCounter.UnknownSpi] + e.Counters[IkeCounter.InvalidMessageId]
        + e.Counters[IkeCounter.IntegrityCheckFailed] + e.Counters[IkeCounter.InvalidMajorVersion]
        + e.Counters[IkeCounter.UnsupportedCriticalPayload] + e.Counters[IkeCounter.UnexpectedExchange]
        + e.Counters[IkeCounter.InvalidSyntax] + e.Counters[IkeCounter.CachedResponsesSent] + e.Counters[IkeCounter.NoProposalChosen]
        + e.Counters[IkeCounter.InvalidKePayload] + e.Counters[IkeCounter.FragmentDropped];
}

using System.Buffers.Binary;
using Appliance.Ike;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// Protected IKE messages to a responder with a fixed SA. Input: [mode][exchange][flags][first inner][message-id
/// offset] then the body. Mode 0: the body is a whole datagram for the established SA (the SK decode and ICV check see
/// the fuzzer's bytes). Mode 1: the body is the inner payload chain of a request to the half-open SA (IKE_AUTH: IDi,
/// AUTH, SA, TS, CERT ...), sealed by the harness with the initiator's keys. Mode 2: the same to the established SA
/// (CREATE_CHILD_SA, INFORMATIONAL: rekeys, deletes, notifies).
/// </summary>
public sealed class IkeSkHarness : IHarness
{
    public const int HeaderLength = 5;
    public string Name => "ike-sk";
    public string Description => "IKE SK decrypt/verify + inner payloads and exchange handlers (fixed SA, harness-sealed)";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < HeaderLength) return;
        IkeFixture f = IkeFixture.Instance;
        int mode = input[0] % 3;
        var engine = f.Responder(mode == 1 ? 1 : 2);
        ReadOnlySpan<byte> body = input[HeaderLength..];
        if (mode == 0)
        {
            IkeFixture.Deliver(engine, body);
        }
        else
        {
            using SkProtection sk = f.Protection();
            uint messageId = (uint)(mode == 1 ? 1 : 2) + input[4];
            byte[] message = f.Seal(sk, (ExchangeType)input[1], (IkeFlags)input[2], messageId, input[3], body, ivCounter: 1);
            IkeFixture.Deliver(engine, message);
        }
        engine.DrainOutput();
        engine.ThrowOnInternalError(Name);
    }

    public IEnumerable<byte[]> Seeds()
    {
        IkeFixture f = IkeFixture.Instance;
        yield return Input(0, 0, 0, 0, f.AuthRequest);
        yield return Input(1, ExchangeType.IkeAuth, IkeFlags.Initiator, PayloadType.IdentificationInitiator, f.AuthPlaintext);
        foreach (List<IkePayload> chain in EstablishedRequests(f))
            yield return Input(2, chain[0] is DeletePayload || chain[0] is NotifyPayload { NotifyType: not NotifyType.RekeySa }
                ? ExchangeType.Informational : ExchangeType.CreateChildSa, IkeFlags.Initiator, chain[0].Type, PayloadCodec.EncodeChain(chain));
    }

    /// <summary>Well-formed CREATE_CHILD_SA (Child rekey, IKE rekey) and INFORMATIONAL (delete, liveness) bodies.</summary>
    internal static IEnumerable<List<IkePayload>> EstablishedRequests(IkeFixture f)
    {
        byte[] spi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spi, f.ChildSpiB);
        using var kex = KeyExchange.Create(DhGroup.Curve25519);
        yield return [new NotifyPayload(ProtocolId.Esp, spi, NotifyType.RekeySa, []),
            new SaPayload([new Proposal(1, ProtocolId.Esp, [9, 9, 9, 9], [new Transform(TransformType.Encryption, 20, 256), new Transform(TransformType.ExtendedSequenceNumbers, 0)])]),
            new NoncePayload(new byte[32]), new TsPayload(false, [TrafficSelector.Parse("10.1.0.0/16")]), new TsPayload(true, [TrafficSelector.Parse("10.2.0.0/16")])];
        yield return [new SaPayload([new Proposal(1, ProtocolId.Ike, [1, 2, 3, 4, 5, 6, 7, 8], [new Transform(TransformType.Encryption, 20, 256),
                new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)])]),
            new NoncePayload(new byte[32]), new KePayload(31, kex.PublicValue.ToArray())];
        yield return [new DeletePayload(ProtocolId.Esp, [f.ChildSpiB]), new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 1])];
        yield return [new DeletePayload(ProtocolId.Ike, [])];
    }

    private static byte[] Input(int mode, ExchangeType exchange, IkeFlags flags, PayloadType first, byte[] body) =>
        [(byte)mode, (byte)exchange, (byte)flags, (byte)first, 0, .. body];
}

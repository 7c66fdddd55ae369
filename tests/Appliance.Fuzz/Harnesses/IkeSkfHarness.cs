using System.Buffers.Binary;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// IKE fragmentation (RFC 7383) reassembly in the engine: a run of SKF fragments, each sealed by the harness so the
/// reassembly buffer (numbers, totals, duplicates, sizes, mixed first-payload types) is what the fuzzer shapes.
/// Input: [phase][exchange][first inner] then records [number:2][total:2][length:1][chunk]; at most 32 fragments.
/// </summary>
public sealed class IkeSkfHarness : IHarness
{
    private const int MaxFragments = 32;
    public string Name => "ike-skf";
    public string Description => "IKE SKF fragment verify + reassembly + the reassembled message's handling";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 3) return;
        IkeFixture f = IkeFixture.Instance;
        bool established = (input[0] & 1) != 0;
        var engine = f.Responder(established ? 2 : 1);
        using SkProtection sk = f.Protection();
        var exchange = (ExchangeType)input[1];
        uint messageId = established ? 2u : 1u;
        ReadOnlySpan<byte> rest = input[3..];
        for (int i = 0; i < MaxFragments && rest.Length >= 5; i++)
        {
            ushort number = BinaryPrimitives.ReadUInt16BigEndian(rest);
            ushort total = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
            int length = Math.Min(rest[4], rest.Length - 5);
            byte first = number == 1 ? input[2] : (byte)0;
            byte[] fragment = f.SealFragment(sk, exchange, IkeFlags.Initiator, messageId, first, number, total, rest.Slice(5, length), (ulong)i + 1);
            IkeFixture.Deliver(engine, fragment);
            rest = rest[(5 + length)..];
        }
        engine.DrainOutput();
        engine.ThrowOnInternalError(Name);
    }

    public IEnumerable<byte[]> Seeds()
    {
        IkeFixture f = IkeFixture.Instance;
        yield return Fragments(0, ExchangeType.IkeAuth, PayloadType.IdentificationInitiator, f.AuthPlaintext, 3);
        foreach (List<IkePayload> chain in IkeSkHarness.EstablishedRequests(f))
            yield return Fragments(1, chain[0] is SaPayload || chain[0] is NotifyPayload { NotifyType: NotifyType.RekeySa }
                ? ExchangeType.CreateChildSa : ExchangeType.Informational, chain[0].Type, PayloadCodec.EncodeChain(chain), 2);
    }

    private static byte[] Fragments(int phase, ExchangeType exchange, PayloadType first, byte[] plain, int count)
    {
        var output = new List<byte> { (byte)phase, (byte)exchange, (byte)first };
        int chunk = Math.Min(255, (plain.Length + count - 1) / count);
        int total = (plain.Length + chunk - 1) / chunk;
        for (int i = 0; i < total; i++)
        {
            byte[] part = plain[(i * chunk)..Math.Min(plain.Length, (i + 1) * chunk)];
            output.AddRange([0, (byte)(i + 1), 0, (byte)total, (byte)part.Length]);
            output.AddRange(part);
        }
        return [.. output];
    }
}

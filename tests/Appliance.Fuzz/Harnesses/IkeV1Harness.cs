using System.Buffers.Binary;
using System.Net;
using Appliance.Ike;
using Appliance.Ike.Crypto;
using Appliance.Ike.V1;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The IKEv1 responder (L2TP/IPsec): a run of up to 16 datagrams from one client, [length:2][datagram] each (the
/// length's top bit: sent to port 4500 instead of 500; length 0: the clock moves 10 s and timers run), into a fresh
/// responder with seeded randomness, so its cookies and DH values are the same in every execution and a seed's MM3
/// carries the right responder cookie. Its InternalError counter is a finding.
/// </summary>
public sealed class IkeV1Harness : IHarness
{
    private static readonly IPEndPoint Client500 = new(IPAddress.Parse("203.0.113.7"), 41000);
    private static readonly IPEndPoint Client4500 = new(IPAddress.Parse("203.0.113.7"), 42000);
    private static readonly IPEndPoint Server500 = new(IPAddress.Parse("198.51.100.1"), 500);
    private static readonly IPEndPoint Server4500 = new(IPAddress.Parse("198.51.100.1"), 4500);

    public string Name => "ikev1";
    public string Description => "IKEv1 responder: ISAKMP header, payload chain, SA/attributes, Main Mode, NAT-D, encrypted MM5/Quick Mode/Informational entry";

    private static IkeV1Responder NewResponder(TimeProvider time) =>
        new(new IkeV1ResponderOptions { PreSharedKey = "fuzz"u8.ToArray() }, time, new SeededRandom(77));

    public void Run(ReadOnlySpan<byte> input)
    {
        var time = new SteppedTime();
        IkeV1Responder responder = NewResponder(time);
        for (int i = 0; i < 16 && input.Length >= 2; i++)
        {
            int word = (input[0] << 8) | input[1];
            bool nat = (word & 0x8000) != 0;
            int length = Math.Min(word & 0x7fff, input.Length - 2);
            if (length == 0)
            {
                time.Advance(TimeSpan.FromSeconds(10));
                responder.Tick();
            }
            else
                responder.HandleDatagram(nat ? Server4500 : Server500, nat ? Client4500 : Client500, input.Slice(2, length));
            input = input[(2 + length)..];
            while (responder.TryDequeueOutgoing(out _)) { }
            while (responder.TryDequeueEvent(out _)) { }
        }
        responder.Status();
        if (responder.Counters[IkeV1Counter.InternalError] != 0)
            throw new FuzzFindingException("the IKEv1 responder caught an exception (InternalError)");
    }

    public IEnumerable<byte[]> Seeds()
    {
        byte[] mm1 = Mm1();
        yield return Records((mm1, false));
        yield return Records((mm1, false), ([], false), (mm1, false));
        byte[] mm3 = Mm3(mm1, out byte[] rcookie);
        yield return Records((mm1, false), (mm3, false));
        // MM5 with the right cookies but ciphertext the responder cannot authenticate (no PSK on the fuzzer's side).
        byte[] mm5 = Message(mm1.AsSpan(0, 8).ToArray(), rcookie, 5, 2, 1, 0, new byte[48]);
        yield return Records((mm1, false), (mm3, false), (mm5, true));
    }

    private static byte[] Records(params (byte[] Datagram, bool Nat)[] datagrams)
    {
        var output = new List<byte>();
        foreach ((byte[] d, bool nat) in datagrams)
        {
            int word = d.Length | (nat ? 0x8000 : 0);
            output.Add((byte)(word >> 8));
            output.Add((byte)word);
            output.AddRange(d);
        }
        return output.ToArray();
    }

    private static byte[] Payloads(params (byte Type, byte[] Body)[] payloads)
    {
        var output = new List<byte>();
        for (int i = 0; i < payloads.Length; i++)
        {
            output.Add(i + 1 < payloads.Length ? payloads[i + 1].Type : (byte)0);
            output.Add(0);
            output.Add((byte)((4 + payloads[i].Body.Length) >> 8));
            output.Add((byte)(4 + payloads[i].Body.Length));
            output.AddRange(payloads[i].Body);
        }
        return output.ToArray();
    }

    private static byte[] Message(byte[] ckyI, byte[] ckyR, byte first, byte exchange, byte flags, uint mid, byte[] body)
    {
        var m = new byte[28 + body.Length];
        ckyI.CopyTo(m, 0);
        ckyR.CopyTo(m, 8);
        m[16] = first;
        m[17] = 0x10;
        m[18] = exchange;
        m[19] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(20), mid);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)m.Length);
        body.CopyTo(m, 28);
        return m;
    }

    /// <summary>Windows-like MM1: AES-256/SHA-1/MODP-1024 and 3DES, RFC 3947 and DPD vendor IDs.</summary>
    private static byte[] Mm1()
    {
        byte[] aes = [1, 1, 0, 0, 0x80, 1, 0, 7, 0x80, 14, 1, 0, 0x80, 2, 0, 2, 0x80, 3, 0, 1, 0x80, 4, 0, 2, 0x80, 11, 0, 1, 0x80, 12, 0x70, 0x80];
        byte[] des = [2, 1, 0, 0, 0x80, 1, 0, 5, 0x80, 2, 0, 2, 0x80, 3, 0, 1, 0x80, 4, 0, 2];
        byte[] proposal = [1, 1, 0, 2, .. Payloads((3, aes), (3, des))];
        byte[] sa = [0, 0, 0, 1, 0, 0, 0, 1, .. Payloads((2, proposal))];
        byte[] body = Payloads((1, sa), (13, NatTraversal.VidRfc3947), (13, NatTraversal.VidDpd));
        return Message([1, 2, 3, 4, 5, 6, 7, 8], new byte[8], 1, 2, 0, 0, body);
    }

    private sealed class FixedBytes : IIkeRandomBytes
    {
        public void Fill(Span<byte> buffer) => buffer.Fill(0x5a);
    }

    /// <summary>MM3 with the responder cookie a responder of the same seed gives MM1, a MODP-1024 KE and both NAT-Ds.</summary>
    private static byte[] Mm3(byte[] mm1, out byte[] rcookie)
    {
        IkeV1Responder r = NewResponder(new SteppedTime());
        r.HandleDatagram(Server500, Client500, mm1);
        r.TryDequeueOutgoing(out OutgoingDatagram? mm2);
        rcookie = mm2!.Payload.AsSpan(8, 8).ToArray();
        byte[] ckyI = mm1.AsSpan(0, 8).ToArray();
        using KeyExchange dh = KeyExchange.Create(DhGroup.Modp1024, new FixedBytes());
        var sha1 = new V1Hash(2);
        byte[] body = Payloads((4, dh.PublicValue.ToArray()), (10, new byte[32]),
            (20, NatTraversal.NatDHash(sha1, ckyI, rcookie, Server500)),
            (20, NatTraversal.NatDHash(sha1, ckyI, rcookie, new IPEndPoint(IPAddress.Parse("10.0.0.2"), 500))));
        return Message(ckyI, rcookie, 4, 2, 0, 0, body);
    }
}

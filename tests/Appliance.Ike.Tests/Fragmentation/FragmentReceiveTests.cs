using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Appliance.Ike.Tests.Engine;

namespace Appliance.Ike.Tests.Fragmentation;

/// <summary>
/// Hand-made SKF fragments sent to an established responder (RFC 7383 §2.6): bad ones are counted drops and leave
/// the IKE SA working; well-made ones, split any way, reassemble.
/// </summary>
public class FragmentReceiveTests
{
    private static readonly IPEndPoint A = new(TestPeers.AddressA, 500);
    private static readonly IPEndPoint B = new(TestPeers.AddressB, 500);
    private static ulong s_iv = 1UL << 40; // far above the counter A's engine uses under the same key

    private static (TestPeers Peers, IkeSaEstablished Sa) Established(bool fragmentationOnB = true)
    {
        TestPeers peers = TestPeers.Standard(optionsB: new IkeEngineOptions { Fragmentation = fragmentationOnB });
        peers.A.Initiate("to-b");
        peers.Pump();
        return (peers, peers.Single<IkeSaEstablished>(peers.EventsA));
    }

    private static IkeHeader Header(IkeSaEstablished sa, uint messageId, ExchangeType exchange = ExchangeType.Informational) =>
        new(sa.InitiatorSpi, sa.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, exchange, IkeFlags.Initiator, messageId, 0);

    /// <summary>An SKF message with arbitrary numbering and an unverifiable body.</summary>
    private static byte[] Raw(IkeSaEstablished sa, ushort number, ushort total, int bodyLength = 64, uint messageId = 2,
        ExchangeType exchange = ExchangeType.Informational)
    {
        int length = IkeHeader.Size + SkfCodec.HeaderSize + bodyLength;
        var w = new WireWriter();
        (Header(sa, messageId, exchange) with { NextPayload = PayloadType.EncryptedFragment, Length = (uint)length }).Write(w);
        byte[] m = new byte[length];
        w.Written.CopyTo(m);
        m[IkeHeader.Size] = (byte)PayloadType.VendorId;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(IkeHeader.Size + 2), (ushort)(length - IkeHeader.Size));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(IkeHeader.Size + 4), number);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(IkeHeader.Size + 6), total);
        new Random(number).NextBytes(m.AsSpan(IkeHeader.Size + SkfCodec.HeaderSize));
        return m;
    }

    /// <summary>Correctly protected fragments of <paramref name="plaintext"/> cut into <paramref name="total"/> pieces, under A's SK_ei.</summary>
    private static List<byte[]> Valid(IkeSaEstablished sa, byte[] plaintext, ushort total, PayloadType first, uint messageId = 2)
    {
        using SkProtection sk = SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, sa.Keys.SkEi, []);
        var fragments = new List<byte[]>();
        int chunk = (plaintext.Length + total - 1) / total;
        for (int i = 0; i < total; i++)
        {
            int offset = Math.Min(i * chunk, plaintext.Length);
            ReadOnlySpan<byte> part = plaintext.AsSpan(offset, Math.Min(chunk, plaintext.Length - offset));
            var iv = new byte[sk.IvSize];
            BinaryPrimitives.WriteUInt64BigEndian(iv, s_iv++);
            fragments.Add(SkfCodec.EncodeFragment(Header(sa, messageId), i == 0 ? first : PayloadType.None, (ushort)(i + 1), total, part, sk, iv));
        }
        return fragments;
    }

    private static byte[] VendorIdChain(int size) => PayloadCodec.EncodeChain([new VendorIdPayload(new byte[size])]);

    private static int Responses(IkeEngine e)
    {
        int n = 0;
        while (e.TryDequeueOutgoing(out _)) n++;
        return n;
    }

    private static void AssertStillWorks(TestPeers peers)
    {
        Assert.Equal(0, peers.B.Counters[IkeCounter.InternalError]);
        peers.A.Terminate("to-b");
        peers.Pump();
        Assert.Single(peers.EventsB.OfType<IkeSaDeleted>());
    }

    [Fact]
    public void Garbage_numbering_is_a_counted_drop()
    {
        (TestPeers peers, IkeSaEstablished sa) = Established();
        long malformed = peers.B.Counters[IkeCounter.Malformed];
        foreach ((ushort number, ushort total) in new (ushort, ushort)[] { (0, 1), (2, 1), (1, 0), (0, 0), (65535, 3) })
            peers.B.HandleDatagram(B, A, Raw(sa, number, total));
        Assert.Equal(malformed + 5, peers.B.Counters[IkeCounter.Malformed]);
        byte[] truncated = Raw(sa, 1, 1, bodyLength: 0)[..(IkeHeader.Size + 6)]; // SKF header cut inside Total Fragments
        BinaryPrimitives.WriteUInt32BigEndian(truncated.AsSpan(24), (uint)truncated.Length);
        BinaryPrimitives.WriteUInt16BigEndian(truncated.AsSpan(IkeHeader.Size + 2), 6);
        peers.B.HandleDatagram(B, A, truncated);
        Assert.Equal(malformed + 6, peers.B.Counters[IkeCounter.Malformed]);
        Assert.Equal(0, Responses(peers.B));
        AssertStillWorks(peers);
    }

    [Fact]
    public void Huge_totals_are_dropped_before_any_crypto_or_storage()
    {
        (TestPeers peers, IkeSaEstablished sa) = Established();
        peers.B.HandleDatagram(B, A, Raw(sa, 1, 65535));
        peers.B.HandleDatagram(B, A, Raw(sa, 65, 65));
        peers.B.HandleDatagram(B, A, Raw(sa, 1, FragmentReassembly.MaxFragments + 1));
        Assert.Equal(3, peers.B.Counters[IkeCounter.FragmentDropped]);
        Assert.Equal(0, peers.B.Counters[IkeCounter.IntegrityCheckFailed]);
        // Within the limit, a body that does not verify is an ICV failure and is not kept.
        peers.B.HandleDatagram(B, A, Raw(sa, 1, 3));
        Assert.Equal(1, peers.B.Counters[IkeCounter.IntegrityCheckFailed]);
        Assert.Equal(0, peers.B.Counters[IkeCounter.FragmentsReceived]);
        AssertStillWorks(peers);
    }

    [Fact]
    public void More_than_64_KB_of_fragments_is_discarded()
    {
        (TestPeers peers, IkeSaEstablished sa) = Established();
        List<byte[]> fragments = Valid(sa, new byte[64 * 1100], 64, PayloadType.VendorId);
        foreach (byte[] f in fragments)
            peers.B.HandleDatagram(B, A, f);
        Assert.Equal(0, peers.B.Counters[IkeCounter.MessagesReassembled]);
        Assert.True(peers.B.Counters[IkeCounter.FragmentDropped] >= 1);
        Assert.True(peers.B.Counters[IkeCounter.FragmentsReceived] < 64);
        Assert.Equal(0, Responses(peers.B));
        AssertStillWorks(peers);
    }

    [Fact]
    public void Smaller_total_is_stale_and_a_larger_total_restarts_reassembly()
    {
        (TestPeers peers, IkeSaEstablished sa) = Established();
        byte[] chain = VendorIdChain(40);
        List<byte[]> inThree = Valid(sa, chain, 3, PayloadType.VendorId);
        peers.B.HandleDatagram(B, A, inThree[0]);
        peers.B.HandleDatagram(B, A, inThree[1]);
        peers.B.HandleDatagram(B, A, Valid(sa, chain, 2, PayloadType.VendorId)[1]); // total 2 < 3: stale
        Assert.Equal(1, peers.B.Counters[IkeCounter.FragmentDropped]);
        List<byte[]> inFour = Valid(sa, chain, 4, PayloadType.VendorId);
        foreach (byte[] f in inFour.AsEnumerable().Reverse())
            peers.B.HandleDatagram(B, A, f);
        peers.B.HandleDatagram(B, A, inThree[2]); // the old set is gone: this is now a stale total
        Assert.Equal(1, peers.B.Counters[IkeCounter.MessagesReassembled]);
        Assert.Equal(2 + 4, peers.B.Counters[IkeCounter.FragmentsReceived]);
        Assert.True(peers.B.TryDequeueOutgoing(out OutgoingDatagram response)); // the INFORMATIONAL was answered
        Assert.Equal(2u, FragmentWire.Decode(response.Payload).Header.MessageId);
        Assert.True(FragmentWire.Decode(response.Payload).Header.IsResponse);
        Assert.Equal(0, peers.B.Counters[IkeCounter.InternalError]);
    }

    [Fact]
    public void Fragments_are_dropped_when_not_negotiated_and_in_IKE_SA_INIT()
    {
        (TestPeers peers, IkeSaEstablished sa) = Established(fragmentationOnB: false);
        foreach (byte[] f in Valid(sa, VendorIdChain(40), 2, PayloadType.VendorId))
            peers.B.HandleDatagram(B, A, f);
        Assert.Equal(2, peers.B.Counters[IkeCounter.FragmentDropped]);
        Assert.Equal(0, peers.B.Counters[IkeCounter.FragmentsReceived]);
        var init = new IkeSaEstablished(sa.TunnelName, 0x1122334455667788, 0, true, "", A, B, IkeIdentity.Any, false, sa.Keys);
        peers.B.HandleDatagram(B, A, Raw(init, 1, 1, messageId: 0, exchange: ExchangeType.IkeSaInit));
        Assert.Equal(3, peers.B.Counters[IkeCounter.FragmentDropped]);
        Assert.Equal(0, Responses(peers.B));
        AssertStillWorks(peers);
    }
}

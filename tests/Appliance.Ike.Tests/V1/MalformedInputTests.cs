using System.Buffers.Binary;
using Appliance.Ike.V1;

namespace Appliance.Ike.Tests.V1;

/// <summary>Malformed ISAKMP input is counted and dropped: no answer, no event, no exception, no internal error.</summary>
public sealed class MalformedInputTests
{
    private static void AssertDropped(V1Harness h, List<OutgoingDatagram> sent, IkeV1Counter counter, long expected = 1)
    {
        Assert.Empty(sent);
        Assert.Equal(expected, h.Responder.Counters[counter]);
        Assert.Equal(0, h.Responder.Counters[IkeV1Counter.InternalError]);
    }

    private static byte[] ValidMm1(V1Harness h, out V1Client client)
    {
        client = h.Client(1, nat: false);
        return client.I.Mm1();
    }

    [Fact]
    public void TruncatedHeaderAndWrongLengthField()
    {
        var h = new V1Harness();
        byte[] mm1 = ValidMm1(h, out V1Client c);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, mm1[..20]), IkeV1Counter.Malformed);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, [.. mm1, 0, 0, 0, 0]), IkeV1Counter.Malformed, 2);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, []), IkeV1Counter.Malformed, 3);
    }

    [Fact]
    public void PayloadLengthPastTheEndOrBelowTheHeader()
    {
        var h = new V1Harness();
        byte[] mm1 = ValidMm1(h, out V1Client c);
        byte[] past = (byte[])mm1.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(past.AsSpan(28 + 2), (ushort)(mm1.Length));
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, past), IkeV1Counter.Malformed);
        byte[] tiny = (byte[])mm1.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(tiny.AsSpan(28 + 2), 2);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, tiny), IkeV1Counter.Malformed, 2);
    }

    [Fact]
    public void ChainThatOverrunsOrNeverEnds()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        // A last payload whose Next Payload names another one: the chain runs past the message.
        byte[] mm1 = c.I.Mm1();
        byte[] overrun = (byte[])mm1.Clone();
        int last = 28;
        while (overrun[last] != 0)
            last += BinaryPrimitives.ReadUInt16BigEndian(overrun.AsSpan(last + 2));
        overrun[last] = 13;
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, overrun), IkeV1Counter.Malformed);
        // 200 empty vendor ID payloads chained: refused past the payload bound.
        var many = new List<(byte, byte[])>();
        for (int i = 0; i < 200; i++)
            many.Add((13, []));
        byte[] body = TestInitiator.Chain(many);
        byte[] flood = TestInitiator.Cat(c.I.Header(13, 2, 0, 0, body.Length), body);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, flood), IkeV1Counter.Malformed, 2);
    }

    [Fact]
    public void UnknownPayloadTypeBelow128IsRefused()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        byte[] body = TestInitiator.Chain([(50, [1, 2, 3, 4])]);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, TestInitiator.Cat(c.I.Header(50, 2, 0, 0, body.Length), body)), IkeV1Counter.UnknownPayload);
    }

    [Fact]
    public void SaPayloadWithBadInnerLengths()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        byte[] mm1 = c.I.Mm1();
        // The SA is the first payload: DOI, situation, then the proposal payload at 28 + 4 + 8.
        int proposal = 28 + 12;
        byte[] badCount = (byte[])mm1.Clone();
        badCount[proposal + 7] = 9; // # transforms
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, badCount), IkeV1Counter.Malformed);
        byte[] badAttr = (byte[])mm1.Clone();
        // First transform at proposal + 8, its attributes at + 8: turn the first into a TLV of 0xFFFF octets.
        badAttr[proposal + 16] &= 0x7f;
        badAttr[proposal + 18] = 0xff;
        badAttr[proposal + 19] = 0xff;
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, badAttr), IkeV1Counter.Malformed, 2);
        byte[] otherDoi = (byte[])mm1.Clone();
        otherDoi[28 + 7] = 2;
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, otherDoi), IkeV1Counter.Malformed, 3);
        Assert.Empty(h.Responder.Status());
    }

    [Fact]
    public void EncryptedMessageNotAWholeNumberOfBlocksIsDroppedAndTheSaLives()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        c.I.ReadMm2(c.Send(c.I.Mm1()).Single());
        c.I.ReadMm4(c.Send(c.I.Mm3()).Single());
        byte[] mm5 = c.I.Mm5();
        byte[] bad = mm5[..^5];
        BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(24), (uint)bad.Length);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, bad), IkeV1Counter.DecryptionFailed);
        Assert.True(c.I.ReadMm6(c.Send(mm5).Single()));
    }

    [Fact]
    public void UnknownCookieUnsupportedExchangeAndVersion()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        c.I.CkyR = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] qm = TestInitiator.Cat(c.I.Header(8, 32, 1, 5, 32), new byte[32]);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, qm), IkeV1Counter.UnknownCookie);
        c.I.CkyR = new byte[8];
        byte[] body = TestInitiator.Chain([(1, new byte[8])]);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, TestInitiator.Cat(c.I.Header(1, 4, 0, 0, body.Length), body)),
            IkeV1Counter.UnsupportedExchange);
        byte[] v2 = c.I.Mm1();
        v2[17] = 0x20;
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, v2), IkeV1Counter.InvalidMajorVersion);
    }

    [Fact]
    public void QuickModeBeforeMainModeCompletedIsDropped()
    {
        var h = new V1Harness();
        var c = h.Client(1, nat: false);
        c.I.ReadMm2(c.Send(c.I.Mm1()).Single());
        byte[] qm = TestInitiator.Cat(c.I.Header(8, 32, 1, 5, 32), new byte[32]);
        AssertDropped(h, h.Deliver(c.Seen500, V1Harness.Server500, qm), IkeV1Counter.UnexpectedMessage);
    }

    /// <summary>One full session's client messages, recorded once: replayed to a responder with the same seed they run the same.</summary>
    private static List<byte[]> Transcript()
    {
        var h = new V1Harness();
        V1Client c = h.Client(42, nat: true);
        c.I.QmOffer.Mode = 4;
        var transcript = new List<byte[]>();
        List<byte[]> Send(byte[] m)
        {
            transcript.Add(m);
            return c.Send(m);
        }
        c.I.ReadMm2(Send(c.I.Mm1()).Single());
        c.I.ReadMm4(Send(c.I.Mm3()).Single());
        c.Floated = true;
        Assert.True(c.I.ReadMm6(Send(c.I.Mm5()).Single()));
        Assert.True(c.I.ReadQm2(Send(c.I.Qm1(natOa: true)).Single()));
        Send(c.I.Qm3());
        Send(c.I.Informational([(11, TestInitiator.NotifyBody(1, c.I.CookieSpi, 36136, TestInitiator.U32(1)))]));
        Send(c.I.Informational([(12, TestInitiator.DeleteBody(3, 4, TestInitiator.U32(c.I.SpiI)))]));
        Send(c.I.Informational([(12, TestInitiator.DeleteBody(1, 16, c.I.CookieSpi))]));
        Assert.Single(h.Events.OfType<ChildSaEstablished>());
        return transcript;
    }

    private static V1Harness Replay(List<byte[]> transcript, int mutated, byte[]? replacement)
    {
        var h = new V1Harness();
        var seen500 = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.7"), 41010);
        var seen4500 = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.7"), 42010);
        for (int i = 0; i < transcript.Count; i++)
        {
            byte[] m = i == mutated && replacement is not null ? replacement : transcript[i];
            if (i >= 2)
                h.Deliver(seen4500, V1Harness.Server4500, m);
            else
                h.Deliver(seen500, V1Harness.Server500, m);
            if (i == mutated && replacement is not null)
                h.Deliver(i >= 2 ? seen4500 : seen500, i >= 2 ? V1Harness.Server4500 : V1Harness.Server500, transcript[i]);
        }
        return h;
    }

    [Fact]
    public void ReplayedTranscriptRunsTheSame()
    {
        List<byte[]> t = Transcript();
        V1Harness h = Replay(t, -1, null);
        Assert.Single(h.Events.OfType<ChildSaEstablished>());
        Assert.Single(h.Events.OfType<ChildSaDeleted>());
        Assert.Single(h.Events.OfType<IkeSaDeleted>());
    }

    [Fact]
    public void FlippedTruncatedAndExtendedMessagesNeverEscapeOrBreakTheEngine()
    {
        List<byte[]> t = Transcript();
        var random = new Random(1234);
        for (int iteration = 0; iteration < 400; iteration++)
        {
            int index = random.Next(t.Count);
            byte[] m = (byte[])t[index].Clone();
            switch (random.Next(4))
            {
                case 0:
                    for (int k = random.Next(1, 4); k > 0; k--)
                        m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    m = m[..random.Next(m.Length)];
                    break;
                case 2:
                    // Flip within the header's length-bearing bytes and the first payload header.
                    int at = random.Next(16, Math.Min(m.Length, 36));
                    m[at] = (byte)random.Next(256);
                    break;
                default:
                    m = [.. m, .. new byte[random.Next(1, 40)]];
                    BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)m.Length);
                    break;
            }
            V1Harness h = Replay(t, index, m);
            h.Time.Advance(TimeSpan.FromMinutes(2));
            h.Tick();
            Assert.Equal(0, h.Responder.Counters[IkeV1Counter.InternalError]);
        }
    }
}

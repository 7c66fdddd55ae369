using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;

namespace Appliance.Ipsec.Tests;

/// <summary>RFC 4303 §3.4.3 window and Appendix A ESN inference, including the 2^32 boundary.</summary>
public class ReplayWindowTests
{
    private static DropReason Accept(ReplayWindow window, ulong sequenceNumber)
    {
        DropReason verdict = window.Check((uint)sequenceNumber, out ulong inferred);
        if (verdict != DropReason.None)
            return verdict;
        Assert.Equal(sequenceNumber, inferred);
        return window.Update(inferred);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void Window_edges(int size)
    {
        var window = new ReplayWindow(size);
        Assert.Equal(DropReason.None, Accept(window, 10_000));
        Assert.Equal(DropReason.None, Accept(window, 10_000 - (ulong)size + 1)); // oldest still inside
        Assert.Equal(DropReason.TooOld, window.Check(10_000 - (uint)size, out _)); // just outside
        Assert.Equal(DropReason.Replay, window.Check(10_000, out _));
        Assert.Equal(DropReason.Replay, window.Check(10_000 - (uint)size + 1, out _));
        Assert.Equal(DropReason.None, Accept(window, 10_001));
        Assert.Equal(DropReason.TooOld, window.Check(0, out _)); // zero is never valid
    }

    [Fact]
    public void Advancing_far_clears_every_old_bit()
    {
        var window = new ReplayWindow(1024);
        for (ulong s = 1; s <= 1024; s++)
            Assert.Equal(DropReason.None, Accept(window, s));
        Assert.Equal(DropReason.None, Accept(window, 1024 + 5000));
        // Everything in the new window below the top is fresh, though bits with the same ring index were set before.
        for (ulong s = 1024 + 5000 - 1023; s < 1024 + 5000; s++)
            Assert.Equal(DropReason.None, window.Check((uint)s, out _));
    }

    [Fact]
    public void Check_alone_never_changes_state()
    {
        var window = new ReplayWindow(1024);
        Assert.Equal(DropReason.None, window.Check(5, out _));
        Assert.Equal(0UL, window.Highest);
        Assert.Equal(DropReason.None, window.Check(5, out _));
    }

    [Fact]
    public void Update_refuses_a_duplicate_that_raced_past_check()
    {
        var window = new ReplayWindow(1024);
        Assert.Equal(DropReason.None, window.Check(7, out ulong a));
        Assert.Equal(DropReason.None, window.Check(7, out ulong b));
        Assert.Equal(DropReason.None, window.Update(a));
        Assert.Equal(DropReason.Replay, window.Update(b));
    }

    [Fact]
    public void Without_esn_the_window_never_infers_high_bits()
    {
        var window = new ReplayWindow(1024);
        Assert.Equal(DropReason.None, Accept(window, uint.MaxValue));
        Assert.Equal(DropReason.TooOld, window.Check(1, out _)); // a wrapped number is old, not new
    }

    [Fact]
    public void Esn_crosses_the_2_pow_32_boundary()
    {
        // RFC 4303 Appendix A2.2, Case A: window within one block; a low number after the top means the next block.
        var window = new ReplayWindow(1024, extendedSequenceNumbers: true);
        const ulong Top = 0xFFFF_FFF0;
        Assert.Equal(DropReason.None, Accept(window, 5000)); // a fresh window cannot place numbers near 2^32 (see below)
        Assert.Equal(DropReason.None, Accept(window, Top));
        Assert.Equal(DropReason.None, window.Check(3, out ulong next));
        Assert.Equal(0x1_0000_0003UL, next);
        Assert.Equal(DropReason.None, window.Update(next));

        // Now Case B: the window (top 2^32+3) spans the boundary; numbers just below 2^32 are inferred
        // in the previous block and are still inside the window.
        Assert.Equal(DropReason.None, window.Check(0xFFFF_FFF5, out ulong before));
        Assert.Equal(0xFFFF_FFF5UL, before);
        Assert.Equal(DropReason.None, window.Update(before));
        Assert.Equal(DropReason.Replay, window.Check(0xFFFF_FFF0, out _));
        Assert.Equal(DropReason.Replay, window.Check(3, out _));
        Assert.Equal(DropReason.None, Accept(window, 0x1_0000_0002));

        // Left of the window (Tl - W + 1 = 0xFFFF_FC04 after wrapping): Appendix A places such a number in
        // the current block, far ahead, so it is not refused here; the ICV computed with the wrong high
        // half rejects it instead (see Esn_icv_covers_the_high_bits_for_cbc_hmac and A3's resync note).
        Assert.Equal(DropReason.None, window.Check(0xFFFF_FC00, out ulong ahead));
        Assert.Equal(0x1_FFFF_FC00UL, ahead);
        Assert.Equal(0x1_0000_0003UL, window.Highest);
    }

    [Fact]
    public void Esn_fresh_window_treats_numbers_just_below_2_pow_32_as_before_the_start()
    {
        var window = new ReplayWindow(1024, extendedSequenceNumbers: true);
        Assert.Equal(DropReason.TooOld, window.Check(0xFFFF_FFFF, out _));
        Assert.Equal(DropReason.None, window.Check(1, out ulong first));
        Assert.Equal(1UL, first);
    }

    [Fact]
    public void Esn_sa_pair_keeps_working_across_the_boundary_with_reordering()
    {
        // Seal across 2^32 with ESN (the high half is in the AAD, never on the wire) and deliver out of order.
        (EspSa outbound, EspSa inbound) = TestSa.Pair(EspSuite.AesGcm256, esn: true, initialSequence: 0xFFFF_FF00);
        var packets = new List<byte[]>();
        for (int i = 0; i < 512; i++)
        {
            byte[] inner = TestPackets.Make(false, 32, new Random(i));
            byte[] buffer = TestPackets.WithRoom(inner, out int offset);
            Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, inner.Length, out int o, out int l));
            packets.Add(buffer.AsSpan(o, l).ToArray());
        }
        Assert.Equal(0x1_0000_0100UL, outbound.LastSequenceNumber);

        // A fresh receiver places numbers just below 2^32 before sequence number 1 (Appendix A Case B,
        // Th = 0), so first let it see an early packet, as it would have in a real SA's life.
        {
            byte[] early = TestPackets.Make(false, 32, new Random(1));
            byte[] buffer = TestPackets.WithRoom(early, out int offset);
            Assert.Equal(DropReason.None, outbound.SealWithSequenceNumber(5000, buffer, offset, early.Length, 4, out int o, out int l));
            Assert.Equal(DropReason.None, inbound.Open(buffer.AsSpan(o, l), out _));
        }

        // Then deliver the stream across the boundary, shuffled by a few positions.
        var rng = new Random(99);
        int[] order = Enumerable.Range(0, 512).OrderBy(i => i + rng.Next(0, 40)).ToArray();
        var seen = new HashSet<ulong>();
        foreach (int i in order)
        {
            Assert.Equal(DropReason.None, inbound.Open(packets[i].ToArray(), out EspOpenResult opened));
            Assert.Equal(0xFFFF_FF00UL + (ulong)i + 1, opened.SequenceNumber);
            Assert.True(seen.Add(opened.SequenceNumber));
        }
        Assert.Equal(DropReason.Replay, inbound.Open(packets[300].ToArray(), out _));
    }

    [Fact]
    public void Esn_icv_covers_the_high_bits_for_cbc_hmac()
    {
        // RFC 4303 §2.2.1: with ESN the high 32 bits enter the ICV though they are not sent. A receiver
        // that infers a different high half must fail authentication.
        (EspSa outbound, _) = TestSa.Pair(EspSuite.AesCbc128HmacSha256, esn: true, initialSequence: 0x2_0000_0000);
        (_, EspSa inboundFresh) = TestSa.Pair(EspSuite.AesCbc128HmacSha256, esn: true);
        byte[] inner = TestPackets.Make(false, 32, new Random(1));
        byte[] buffer = TestPackets.WithRoom(inner, out int offset);
        Assert.Equal(DropReason.None, outbound.SealTunnel(buffer, offset, inner.Length, out int o, out int l));
        Assert.Equal(DropReason.AuthenticationFailed, inboundFresh.Open(buffer.AsSpan(o, l), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(100)]
    public void Invalid_sizes_are_refused(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
}

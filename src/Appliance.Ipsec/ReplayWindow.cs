using System.Numerics;

namespace Appliance.Ipsec;

/// <summary>
/// Anti-replay window of RFC 4303 §3.4.3 kept as an RFC 6479 ring of 64-bit words: advancing the
/// window clears whole words instead of shifting bits, so cost does not grow with the window size.
/// With ESN the high 32 bits of a received sequence number are inferred from the window
/// (RFC 4303 Appendix A2.2).
/// <para>
/// Use is two-step, as RFC 4303 §3.4.3 requires: <see cref="Check"/> before the ICV is verified,
/// <see cref="Update"/> only after it verified. Not thread-safe: one opener per inbound SA at a time.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    public const int DefaultSize = 1024;
    public const int MinSize = 64;
    public const int MaxSize = 1 << 20;

    private readonly ulong[] _bitmap;
    private readonly int _wordMask;
    private ulong _top;

    /// <param name="size">Window size in packets, a multiple of 64 between 64 and 2^20.</param>
    /// <param name="extendedSequenceNumbers">Infer 64-bit numbers from 32-bit wire values (RFC 4303 §2.2.1).</param>
    public ReplayWindow(int size = DefaultSize, bool extendedSequenceNumbers = false)
    {
        if (size < MinSize || size > MaxSize || size % 64 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "Replay window size must be a multiple of 64 in [64, 2^20].");
        Size = size;
        ExtendedSequenceNumbers = extendedSequenceNumbers;
        // One spare word beyond the window (RFC 6479 §2) so the word being recycled is never inside the
        // window; a power of two so the ring index is a mask.
        int words = (int)BitOperations.RoundUpToPowerOf2((uint)(size / 64 + 1));
        _bitmap = new ulong[words];
        _wordMask = words - 1;
    }

    public int Size { get; }
    public bool ExtendedSequenceNumbers { get; }

    /// <summary>Highest authenticated sequence number so far (T in RFC 4303 Appendix A); 0 before the first.</summary>
    public ulong Highest => _top;

    /// <summary>
    /// Infers the full sequence number for <paramref name="sequenceLow"/> and tells whether it may be
    /// new. Never changes state.
    /// </summary>
    public DropReason Check(uint sequenceLow, out ulong sequenceNumber)
    {
        if (!TryInfer(sequenceLow, out sequenceNumber))
            return DropReason.TooOld;
        return CheckFull(sequenceNumber);
    }

    /// <summary>
    /// Marks <paramref name="sequenceNumber"/> as received after its ICV verified. Checks again, so a
    /// duplicate that raced past <see cref="Check"/> is still refused (returns <see cref="DropReason.Replay"/>).
    /// </summary>
    public DropReason Update(ulong sequenceNumber)
    {
        DropReason verdict = CheckFull(sequenceNumber);
        if (verdict != DropReason.None)
            return verdict;
        if (sequenceNumber > _top)
        {
            ulong advance = (sequenceNumber >> 6) - (_top >> 6);
            int clear = advance >= (ulong)_bitmap.Length ? _bitmap.Length : (int)advance;
            ulong word = _top >> 6;
            for (int i = 1; i <= clear; i++)
                _bitmap[(int)((word + (ulong)i) & (ulong)_wordMask)] = 0;
            _top = sequenceNumber;
        }
        _bitmap[(int)((sequenceNumber >> 6) & (ulong)_wordMask)] |= 1UL << (int)(sequenceNumber & 63);
        return DropReason.None;
    }

    private DropReason CheckFull(ulong sequenceNumber)
    {
        if (sequenceNumber == 0)
            return DropReason.TooOld; // never sent (RFC 4303 §3.3.3: the first packet carries 1)
        if (sequenceNumber > _top)
            return DropReason.None;
        if (_top - sequenceNumber >= (ulong)Size)
            return DropReason.TooOld;
        ulong bit = _bitmap[(int)((sequenceNumber >> 6) & (ulong)_wordMask)] & (1UL << (int)(sequenceNumber & 63));
        return bit != 0 ? DropReason.Replay : DropReason.None;
    }

    /// <summary>RFC 4303 Appendix A2.2: choose Seqh so the number falls in or right of the window.</summary>
    private bool TryInfer(uint sequenceLow, out ulong sequenceNumber)
    {
        if (!ExtendedSequenceNumbers)
        {
            sequenceNumber = sequenceLow;
            return true;
        }
        uint tl = (uint)_top;
        uint th = (uint)(_top >> 32);
        uint windowStart = unchecked(tl - (uint)Size + 1); // Tl - W + 1 (mod 2^32)
        ulong seqHigh;
        if (tl >= (uint)Size - 1)
        {
            // Case A: the window lies within one 2^32 block.
            seqHigh = sequenceLow >= windowStart ? th : (ulong)th + 1;
        }
        else
        {
            // Case B: the window spans a block boundary.
            if (sequenceLow >= windowStart)
            {
                if (th == 0)
                {
                    sequenceNumber = 0; // would lie before sequence number 1: cannot be valid
                    return false;
                }
                seqHigh = th - 1u;
            }
            else
            {
                seqHigh = th;
            }
        }
        if (seqHigh > uint.MaxValue)
        {
            sequenceNumber = 0;
            return false;
        }
        sequenceNumber = (seqHigh << 32) | sequenceLow;
        return true;
    }
}

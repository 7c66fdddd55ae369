namespace Appliance.Linux.Sa;

/// <summary>
/// Sliding anti-replay window (RFC 4303 §3.4.3) kept as a ring of 64-bit words in the style of
/// RFC 6479, so advancing the window clears whole words instead of shifting the bitmap. With ESN
/// the high 32 bits are inferred from the low ones as RFC 4303 Appendix A2.2 describes.
/// </summary>
internal sealed class ReplayWindow
{
    private readonly ulong[] _bits;
    private readonly int _size;
    private ulong _top; // highest authenticated 64-bit sequence number

    public ReplayWindow(int size)
    {
        _size = size <= 0 ? 0 : Math.Max(64, (size + 63) / 64 * 64);
        _bits = new ulong[Math.Max(1, _size / 64) + 1];
    }

    public ulong Top => _top;

    /// <summary>Full 64-bit number for an ESN SA: the seq_hi that puts <paramref name="low"/> nearest the window.</summary>
    public ulong InferEsn(uint low)
    {
        uint th = (uint)(_top >> 32), tl = (uint)_top;
        uint w = (uint)Math.Max(_size, 1);
        if (tl >= w - 1)
            return ((ulong)(low >= tl - w + 1 ? th : th + 1) << 32) | low;
        return ((ulong)(low >= tl - w + 1 ? th - 1 : th) << 32) | low; // window spans the seq_hi boundary
    }

    /// <summary>Before the ICV check: false when the number is zero, left of the window, or already seen.</summary>
    public bool Check(ulong seq, out bool tooOld)
    {
        tooOld = false;
        if (seq == 0) { tooOld = true; return false; }
        if (_size == 0 || seq > _top) return true;
        if (_top - seq >= (ulong)_size) { tooOld = true; return false; }
        ulong word = (seq / 64) % (ulong)_bits.Length;
        return (_bits[word] & (1UL << (int)(seq % 64))) == 0;
    }

    /// <summary>After the ICV check passed: records the number and slides the window.</summary>
    public void Update(ulong seq)
    {
        if (_size == 0) { if (seq > _top) _top = seq; return; }
        if (seq > _top)
        {
            ulong oldWord = _top / 64, newWord = seq / 64;
            ulong steps = Math.Min(newWord - oldWord, (ulong)_bits.Length);
            for (ulong i = 1; i <= steps; i++) _bits[(oldWord + i) % (ulong)_bits.Length] = 0;
            _top = seq;
        }
        _bits[(seq / 64) % (ulong)_bits.Length] |= 1UL << (int)(seq % 64);
    }
}

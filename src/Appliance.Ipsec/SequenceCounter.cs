namespace Appliance.Ipsec;

/// <summary>
/// Outbound sequence numbers (RFC 4303 §3.3.3): start at 1, never wrap. Reservation is a lock-free
/// compare-and-swap so parallel sealers can each take a contiguous block, seal out of order, and
/// still never reuse a number (which for AES-GCM/ChaCha20 would reuse the nonce).
/// </summary>
public sealed class SequenceCounter
{
    private ulong _last;

    /// <param name="extendedSequenceNumbers">Limit is 2^64-1 with ESN, 2^32-1 without.</param>
    /// <param name="lastUsed">Number already used (0 for a fresh SA); tests start near the limit.</param>
    public SequenceCounter(bool extendedSequenceNumbers, ulong lastUsed = 0)
    {
        Limit = extendedSequenceNumbers ? ulong.MaxValue : uint.MaxValue;
        if (lastUsed > Limit)
            throw new ArgumentOutOfRangeException(nameof(lastUsed));
        _last = lastUsed;
    }

    /// <summary>Highest number that may ever be sent on this SA.</summary>
    public ulong Limit { get; }

    /// <summary>Last number handed out.</summary>
    public ulong Last => Interlocked.Read(ref _last);

    /// <summary>True once every number has been used: the SA must be rekeyed.</summary>
    public bool IsExhausted => Last >= Limit;

    /// <summary>
    /// The last 1/64 of the space is reached (2^26 packets without ESN: minutes at a gigabit), so IKE can rekey
    /// long before sealing has to stop (RFC 4303 §3.3.3: the counter must never wrap).
    /// </summary>
    public bool IsNearExhaustion => Limit - Last <= Limit / 64;

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive numbers and returns the first. False (and nothing
    /// reserved) when fewer than <paramref name="count"/> remain.
    /// </summary>
    public bool TryReserve(int count, out ulong first)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        while (true)
        {
            ulong last = Interlocked.Read(ref _last);
            if (Limit - last < (ulong)count)
            {
                first = 0;
                return false;
            }
            ulong next = last + (ulong)count;
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                first = last + 1;
                return true;
            }
        }
    }
}

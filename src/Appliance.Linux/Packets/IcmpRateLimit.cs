namespace Appliance.Linux.Packets;

/// <summary>
/// A token bucket for the ICMP errors the data plane originates (RFC 4443 §2.4 (f) requires it for ICMPv6; RFC 1812
/// §4.3.2.8 advises it for ICMPv4): a LAN host flooding oversized packets gets a few errors, not one per packet.
/// The first error of a burst always goes out, which is what path MTU discovery needs.
/// </summary>
internal sealed class IcmpRateLimit(TimeProvider time, int perSecond = 100, int burst = 50)
{
    private readonly object _gate = new();
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        lock (_gate)
        {
            long now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * perSecond);
            _last = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}

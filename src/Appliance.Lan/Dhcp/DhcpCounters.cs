namespace Appliance.Lan.Dhcp;

/// <summary>What the DHCP server received, answered and dropped; read by the status.</summary>
public sealed class DhcpCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DhcpDrop>().Length];
    private long _received, _offers, _acks, _naks, _releases, _declines, _informs;

    public long Received => Interlocked.Read(ref _received);
    public long Offers => Interlocked.Read(ref _offers);
    public long Acks => Interlocked.Read(ref _acks);
    public long Naks => Interlocked.Read(ref _naks);
    public long Releases => Interlocked.Read(ref _releases);
    public long Declines => Interlocked.Read(ref _declines);
    public long Informs => Interlocked.Read(ref _informs);

    public long Dropped(DhcpDrop reason) => Interlocked.Read(ref _drops[(int)reason]);

    internal void CountReceived() => Interlocked.Increment(ref _received);
    internal void CountDrop(DhcpDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);
    internal void CountRelease() => Interlocked.Increment(ref _releases);
    internal void CountDecline() => Interlocked.Increment(ref _declines);

    internal void CountSent(DhcpMessageType type, bool inform)
    {
        if (inform) Interlocked.Increment(ref _informs);
        else if (type == DhcpMessageType.Offer) Interlocked.Increment(ref _offers);
        else if (type == DhcpMessageType.Ack) Interlocked.Increment(ref _acks);
        else if (type == DhcpMessageType.Nak) Interlocked.Increment(ref _naks);
    }
}

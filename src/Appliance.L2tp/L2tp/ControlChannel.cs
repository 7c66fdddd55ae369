namespace Appliance.L2tp.L2tp;

/// <summary>
/// Reliable delivery of one tunnel's control messages (RFC 2661 §5.8): Ns/Nr sequence numbers modulo 2^16, the peer's
/// receive window bounding what we have in flight, acknowledgement by the peer's Nr, retransmission with exponential
/// backoff up to a limit, ZLB acknowledgements when nothing else carries our Nr, and messages that arrive early held
/// (within our receive window) until the gap is filled. Sans I/O: datagrams go to <c>transmit</c>, time comes in.
/// </summary>
internal sealed class ControlChannel(L2tpServerOptions options, L2tpCounters counters, Action<byte[]> transmit)
{
    private sealed class Pending(ushort sessionId, ushort ns, byte[] avps)
    {
        public ushort SessionId { get; } = sessionId;
        public ushort Ns { get; } = ns;
        public byte[] Avps { get; } = avps;
        public int Retransmissions;
        public DateTimeOffset Deadline;
    }

    private readonly List<Pending> _inFlight = [];
    private readonly Queue<Pending> _waiting = new();
    private readonly SortedDictionary<ushort, (L2tpHeader Header, byte[] Avps)> _early = [];
    private ushort _ns, _nr;
    private bool _ackOwed;

    /// <summary>The peer's tunnel ID, the header's Tunnel ID on everything we send (§3.1).</summary>
    public ushort PeerTunnelId { get; set; }

    /// <summary>The peer's Receive Window Size AVP (§4.4.3; 4 when absent).</summary>
    public int PeerWindow { get; set; } = 4;

    /// <summary>Messages sent and not yet acknowledged, or not yet sent for the window.</summary>
    public int Outstanding => _inFlight.Count + _waiting.Count;

    public static bool Before(ushort a, ushort b) => (short)(a - b) < 0;

    /// <summary>What to do with a received control message, after its Nr acknowledged ours.</summary>
    public enum Arrival { InOrder, Duplicate, HeldEarly, OutsideWindow }

    /// <summary>
    /// Takes the peer's Nr as acknowledgement of everything before it, then classifies the message by its Ns. A ZLB
    /// (no AVPs) only acknowledges: it does not take a sequence number.
    /// </summary>
    public Arrival Receive(L2tpHeader header, byte[] avps, DateTimeOffset now, out bool isZlb)
    {
        Acknowledge(header.Nr, now);
        isZlb = avps.Length == 0;
        if (isZlb)
            return Arrival.InOrder;
        if (header.Ns == _nr)
        {
            _nr++;
            _ackOwed = true;
            return Arrival.InOrder;
        }
        if (Before(header.Ns, _nr))
        {
            // §5.8: a duplicate means our acknowledgement was lost; acknowledge again.
            _ackOwed = true;
            return Arrival.Duplicate;
        }
        if ((ushort)(header.Ns - _nr) >= options.ReceiveWindow)
            return Arrival.OutsideWindow;
        _early[header.Ns] = (header, avps);
        _ackOwed = true;
        return Arrival.HeldEarly;
    }

    /// <summary>The held message that is now next in sequence, if any; it is counted as received.</summary>
    public bool TryTakeNextHeld(out L2tpHeader header, out byte[] avps)
    {
        if (_early.Remove(_nr, out var held))
        {
            (header, avps) = held;
            _nr++;
            return true;
        }
        (header, avps) = (default, []);
        return false;
    }

    /// <summary>
    /// Replies queued behind a peer that keeps sending but never acknowledges would grow without end; past this many the
    /// tunnel is given up at the next tick as if the retransmissions had run out.
    /// </summary>
    public const int MaxWaiting = 128;

    private bool _overflowed;

    public void Send(ushort sessionId, byte[] avps, DateTimeOffset now)
    {
        if (_waiting.Count >= MaxWaiting)
        {
            _overflowed = true;
            return;
        }
        var pending = new Pending(sessionId, _ns++, avps);
        if (_inFlight.Count < Math.Max(1, PeerWindow))
            Transmit(pending, now);
        else
            _waiting.Enqueue(pending);
    }

    /// <summary>A ZLB when a received message is still unacknowledged (nothing we sent since carried our Nr).</summary>
    public void FlushAck()
    {
        if (!_ackOwed)
            return;
        _ackOwed = false;
        transmit(L2tpHeader.EncodeControl(PeerTunnelId, 0, _ns, _nr, []));
    }

    /// <summary>Retransmits what timed out; false when a message reached the retransmission limit (the peer is gone).</summary>
    public bool Tick(DateTimeOffset now)
    {
        if (_overflowed)
            return false;
        foreach (Pending p in _inFlight)
        {
            if (p.Deadline > now)
                continue;
            if (p.Retransmissions >= options.MaxRetransmissions)
                return false;
            p.Retransmissions++;
            counters.Increment(L2tpCounter.Retransmissions);
            Emit(p, now);
        }
        return true;
    }

    public DateTimeOffset? NextDeadline => _inFlight.Count == 0 ? null : _inFlight.Min(p => p.Deadline);

    private void Acknowledge(ushort nr, DateTimeOffset now)
    {
        // Everything with Ns before the peer's Nr has arrived; an Nr beyond what we sent is ignored for the rest.
        if (Before(_ns, nr))
            return;
        _inFlight.RemoveAll(p => Before(p.Ns, nr));
        while (_waiting.Count > 0 && _inFlight.Count < Math.Max(1, PeerWindow))
            Transmit(_waiting.Dequeue(), now);
    }

    private void Transmit(Pending p, DateTimeOffset now)
    {
        _inFlight.Add(p);
        Emit(p, now);
    }

    private void Emit(Pending p, DateTimeOffset now)
    {
        // §5.8: retransmissions carry the current Nr; the timeout doubles each time, up to the cap.
        double seconds = Math.Min(options.RetransmitInitial.TotalSeconds * Math.Pow(2, p.Retransmissions), options.RetransmitCap.TotalSeconds);
        p.Deadline = now + TimeSpan.FromSeconds(seconds);
        _ackOwed = false;
        transmit(L2tpHeader.EncodeControl(PeerTunnelId, p.SessionId, p.Ns, _nr, p.Avps));
    }
}

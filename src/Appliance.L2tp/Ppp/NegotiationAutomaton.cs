namespace Appliance.L2tp.Ppp;

/// <summary>The ten states of RFC 1661 §4.2.</summary>
internal enum PppState { Initial, Starting, Closed, Stopped, Closing, Stopping, ReqSent, AckRcvd, AckSent, Opened }

/// <summary>How a received Configure-Request is answered (RCR+ or RCR-, RFC 1661 §4.3).</summary>
internal enum RequestVerdict { Ack, Nak, Reject }

/// <summary>
/// The option negotiation automaton of RFC 1661 §4 with its full state transition table (§4.1), shared by LCP and IPCP.
/// Subclasses say which options they request and accept and what This-Layer-Up/Down/Started/Finished mean; this class
/// owns the Restart timer and counters (§4.6), identifiers, and the Configure/Terminate/Code-Reject packets. Time comes
/// in as arguments: no clock or timer of its own.
/// </summary>
internal abstract class NegotiationAutomaton(ushort protocol, PppOptions options, L2tpCounters counters, Action<ushort, byte[]> sendPacket)
{
    private int _restart;
    private int _naksSent;
    private byte _nextId;
    private byte[]? _lastRequest;
    private byte _lastRequestId;
    private DateTimeOffset? _deadline;

    public ushort Protocol => protocol;
    public PppState State { get; private set; } = PppState.Initial;
    public DateTimeOffset? Deadline => _deadline;
    protected PppOptions Options => options;
    protected L2tpCounters Counters => counters;

    /// <summary>Why the layer finished, for the session-down event.</summary>
    public string? FinishReason { get; protected set; }

    // ---- what a protocol defines ----
    protected abstract List<PppOption> RequestOptions();
    protected abstract RequestVerdict CheckRequest(List<PppOption> received, out List<PppOption> answer);
    /// <summary>Adjusts our request to a Configure-Nak; false when we cannot (the layer then closes).</summary>
    protected abstract bool ApplyNak(List<PppOption> naked);
    protected abstract bool ApplyReject(List<PppOption> rejected);
    protected abstract void ThisLayerUp(DateTimeOffset now);
    protected abstract void ThisLayerDown(DateTimeOffset now);
    protected virtual void ThisLayerStarted(DateTimeOffset now) { }
    protected abstract void ThisLayerFinished(DateTimeOffset now);
    /// <summary>Codes beyond 1..7 (LCP's 8..13); false makes it an unknown code (RUC).</summary>
    protected virtual bool HandleOtherCode(PppPacket packet, DateTimeOffset now) => false;

    // ---- events from below and from administration (§4.3) ----
    public void Up(DateTimeOffset now)
    {
        switch (State)
        {
            case PppState.Initial: Become(PppState.Closed); break;
            case PppState.Starting: InitializeRestartCount(configure: true); SendConfigureRequest(now); Become(PppState.ReqSent); break;
        }
    }

    public void Down(DateTimeOffset now)
    {
        switch (State)
        {
            case PppState.Closed: Become(PppState.Initial); break;
            case PppState.Stopped: ThisLayerStarted(now); Become(PppState.Starting); break;
            case PppState.Closing: Become(PppState.Initial); break;
            case PppState.Stopping or PppState.ReqSent or PppState.AckRcvd or PppState.AckSent: Become(PppState.Starting); break;
            case PppState.Opened: ThisLayerDown(now); Become(PppState.Starting); break;
        }
    }

    public void Open(DateTimeOffset now)
    {
        switch (State)
        {
            case PppState.Initial: ThisLayerStarted(now); Become(PppState.Starting); break;
            case PppState.Closed: InitializeRestartCount(configure: true); SendConfigureRequest(now); Become(PppState.ReqSent); break;
            case PppState.Closing: Become(PppState.Stopping); break;
        }
    }

    public void Close(DateTimeOffset now, string reason)
    {
        FinishReason ??= reason;
        switch (State)
        {
            case PppState.Starting: ThisLayerFinished(now); Become(PppState.Initial); break;
            case PppState.Stopped: Become(PppState.Closed); break;
            case PppState.Stopping: Become(PppState.Closing); break;
            case PppState.ReqSent or PppState.AckRcvd or PppState.AckSent:
                InitializeRestartCount(configure: false); SendTerminateRequest(now); Become(PppState.Closing); break;
            case PppState.Opened:
                ThisLayerDown(now); InitializeRestartCount(configure: false); SendTerminateRequest(now); Become(PppState.Closing); break;
        }
    }

    /// <summary>The Restart timer: TO+ while the counter lasts, then TO- (§4.3).</summary>
    public void Tick(DateTimeOffset now)
    {
        if (_deadline is not { } deadline || deadline > now)
            return;
        _deadline = null;
        if (_restart > 0)
        {
            switch (State)
            {
                case PppState.Closing or PppState.Stopping: SendTerminateRequest(now); break;
                case PppState.ReqSent or PppState.AckRcvd: SendConfigureRequest(now); Become(PppState.ReqSent); break;
                case PppState.AckSent: SendConfigureRequest(now); break;
            }
            return;
        }
        FinishReason ??= State is PppState.Closing or PppState.Stopping ? "no Terminate-Ack" : "no answer to Configure-Request";
        switch (State)
        {
            case PppState.Closing: ThisLayerFinished(now); Become(PppState.Closed); break;
            case PppState.Stopping or PppState.ReqSent or PppState.AckRcvd or PppState.AckSent:
                ThisLayerFinished(now); Become(PppState.Stopped); break;
        }
    }

    /// <summary>A packet of this protocol: parsed, then the receive event it is (RCR±, RCA, RCN, RTR, RTA, RUC, RXJ, RXR).</summary>
    public void Receive(ReadOnlySpan<byte> info, DateTimeOffset now)
    {
        if (!PppPacket.TryParse(info, out PppPacket packet))
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        // §4.2: in Initial and Starting the lower layer is down and no packet is expected.
        if (State is PppState.Initial or PppState.Starting)
            return;
        switch ((PppCode)packet.Code)
        {
            case PppCode.ConfigureRequest: ReceiveConfigureRequest(packet, now); break;
            case PppCode.ConfigureAck: ReceiveConfigureAck(packet, now); break;
            case PppCode.ConfigureNak or PppCode.ConfigureReject: ReceiveConfigureNakOrReject(packet, now); break;
            case PppCode.TerminateRequest: ReceiveTerminateRequest(packet, now); break;
            case PppCode.TerminateAck: ReceiveTerminateAck(now); break;
            case PppCode.CodeReject: ReceiveCodeReject(packet, now); break;
            default:
                if (!HandleOtherCode(packet, now))
                    SendCodeReject(info);
                break;
        }
    }

    /// <summary>RXJ: a Code-Reject or Protocol-Reject of something this layer needs (RXJ-) or could do without (RXJ+).</summary>
    public void ReceiveReject(bool catastrophic, DateTimeOffset now, string what)
    {
        if (!catastrophic)
        {
            if (State == PppState.AckRcvd) Become(PppState.ReqSent);
            return;
        }
        FinishReason ??= $"peer rejected {what}";
        switch (State)
        {
            case PppState.Closed or PppState.Closing: ThisLayerFinished(now); Become(PppState.Closed); break;
            case PppState.Stopped or PppState.Stopping or PppState.ReqSent or PppState.AckRcvd or PppState.AckSent:
                ThisLayerFinished(now); Become(PppState.Stopped); break;
            case PppState.Opened:
                ThisLayerDown(now); InitializeRestartCount(configure: false); SendTerminateRequest(now); Become(PppState.Stopping); break;
        }
    }

    private void ReceiveConfigureRequest(PppPacket packet, DateTimeOffset now)
    {
        if (!PppOption.TryParseAll(packet.Data, out List<PppOption> received))
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        if (State is PppState.Closing or PppState.Stopping)
            return;
        if (State == PppState.Closed)
        {
            Send(PppCode.TerminateAck, packet.Identifier, []);
            return;
        }
        RequestVerdict verdict = CheckRequest(received, out List<PppOption> answer);
        // §4.6 Max-Failure: after that many Configure-Naks without an Ack, what we would Nak is rejected instead.
        if (verdict == RequestVerdict.Nak && _naksSent >= options.MaxFailure)
        {
            var naked = answer.Select(a => a.Type).ToHashSet();
            answer = received.Where(o => naked.Contains(o.Type)).ToList();
            verdict = RequestVerdict.Reject;
        }
        bool good = verdict == RequestVerdict.Ack;
        if (State == PppState.Opened)
        {
            ThisLayerDown(now);
            SendConfigureRequest(now);
        }
        else if (State == PppState.Stopped)
        {
            InitializeRestartCount(configure: true);
            SendConfigureRequest(now);
        }
        if (good)
        {
            _naksSent = 0;
            Send(PppCode.ConfigureAck, packet.Identifier, packet.Data);
        }
        else
        {
            if (verdict == RequestVerdict.Nak) _naksSent++;
            Send(verdict == RequestVerdict.Nak ? PppCode.ConfigureNak : PppCode.ConfigureReject, packet.Identifier, PppOption.Encode(answer));
        }
        switch (State)
        {
            case PppState.Stopped or PppState.ReqSent or PppState.Opened: Become(good ? PppState.AckSent : PppState.ReqSent); break;
            case PppState.AckRcvd:
                if (good) { Become(PppState.Opened); ThisLayerUp(now); }
                break;
            case PppState.AckSent: Become(good ? PppState.AckSent : PppState.ReqSent); break;
        }
    }

    private void ReceiveConfigureAck(PppPacket packet, DateTimeOffset now)
    {
        // An Ack must answer our latest request exactly (§5.2); anything else is discarded.
        if (_lastRequest is null || packet.Identifier != _lastRequestId || !packet.Data.AsSpan().SequenceEqual(_lastRequest))
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        switch (State)
        {
            case PppState.Closed or PppState.Stopped: Send(PppCode.TerminateAck, packet.Identifier, []); break;
            case PppState.ReqSent: InitializeRestartCount(configure: true); Become(PppState.AckRcvd); break;
            case PppState.AckRcvd: SendConfigureRequest(now); Become(PppState.ReqSent); break;
            case PppState.AckSent: InitializeRestartCount(configure: true); Become(PppState.Opened); ThisLayerUp(now); break;
            case PppState.Opened: ThisLayerDown(now); SendConfigureRequest(now); Become(PppState.ReqSent); break;
        }
    }

    private void ReceiveConfigureNakOrReject(PppPacket packet, DateTimeOffset now)
    {
        if (_lastRequest is null || packet.Identifier != _lastRequestId || !PppOption.TryParseAll(packet.Data, out List<PppOption> listed))
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        if (State is PppState.Closed or PppState.Stopped)
        {
            Send(PppCode.TerminateAck, packet.Identifier, []);
            return;
        }
        if (State is PppState.Closing or PppState.Stopping)
            return;
        bool reject = packet.Code == (byte)PppCode.ConfigureReject;
        if (!(reject ? ApplyReject(listed) : ApplyNak(listed)))
        {
            Close(now, FinishReason ?? "the peer refused an option we need");
            return;
        }
        switch (State)
        {
            case PppState.ReqSent: InitializeRestartCount(configure: true); SendConfigureRequest(now); break;
            case PppState.AckRcvd: SendConfigureRequest(now); Become(PppState.ReqSent); break;
            case PppState.AckSent: InitializeRestartCount(configure: true); SendConfigureRequest(now); break;
            case PppState.Opened: ThisLayerDown(now); SendConfigureRequest(now); Become(PppState.ReqSent); break;
        }
    }

    private void ReceiveTerminateRequest(PppPacket packet, DateTimeOffset now)
    {
        switch (State)
        {
            case PppState.ReqSent or PppState.AckRcvd or PppState.AckSent:
                Send(PppCode.TerminateAck, packet.Identifier, []); Become(PppState.ReqSent); break;
            case PppState.Opened:
                FinishReason ??= "the peer sent Terminate-Request";
                ThisLayerDown(now);
                _restart = 0;
                _deadline = now + options.RestartTimer; // zrc: one Restart period in Stopping, then TO- finishes
                Send(PppCode.TerminateAck, packet.Identifier, []);
                Become(PppState.Stopping);
                break;
            default: Send(PppCode.TerminateAck, packet.Identifier, []); break;
        }
    }

    private void ReceiveTerminateAck(DateTimeOffset now)
    {
        switch (State)
        {
            case PppState.Closing: ThisLayerFinished(now); Become(PppState.Closed); break;
            case PppState.Stopping: ThisLayerFinished(now); Become(PppState.Stopped); break;
            case PppState.AckRcvd: Become(PppState.ReqSent); break;
            case PppState.Opened: ThisLayerDown(now); SendConfigureRequest(now); Become(PppState.ReqSent); break;
        }
    }

    private void ReceiveCodeReject(PppPacket packet, DateTimeOffset now)
    {
        // §5.6: rejecting a code 1..7 makes negotiation impossible (RXJ-); rejecting an extension code is survivable.
        byte rejected = packet.Data.Length > 0 ? packet.Data[0] : (byte)0;
        ReceiveReject(rejected is >= 1 and <= 7, now, $"code {rejected}");
    }

    // ---- actions (§4.4) ----
    private void InitializeRestartCount(bool configure) => _restart = configure ? options.MaxConfigure : options.MaxTerminate;

    private void SendConfigureRequest(DateTimeOffset now)
    {
        _lastRequest = PppOption.Encode(RequestOptions());
        _lastRequestId = _nextId++;
        _restart--;
        _deadline = now + options.RestartTimer;
        Send(PppCode.ConfigureRequest, _lastRequestId, _lastRequest);
    }

    private void SendTerminateRequest(DateTimeOffset now)
    {
        _restart--;
        _deadline = now + options.RestartTimer;
        Send(PppCode.TerminateRequest, _nextId++, []);
    }

    /// <summary>scj: the unknown packet back in a Code-Reject, cut to fit the peer's MRU (§5.6).</summary>
    private void SendCodeReject(ReadOnlySpan<byte> rejected)
    {
        counters.Increment(L2tpCounter.PppCodeRejects);
        int room = Math.Max(0, PeerMru - PppPacket.HeaderSize);
        Send(PppCode.CodeReject, _nextId++, rejected[..Math.Min(rejected.Length, room)].ToArray());
    }

    /// <summary>The MRU the peer can receive; LCP knows it, IPCP asks LCP.</summary>
    public virtual int PeerMru => 1500;

    protected void Send(PppCode code, byte identifier, byte[] data) => sendPacket(protocol, new PppPacket((byte)code, identifier, data).Encode());

    private void Become(PppState next)
    {
        State = next;
        // The Restart timer runs only in the states that wait for an answer (§4.6).
        if (next is not (PppState.Closing or PppState.Stopping or PppState.ReqSent or PppState.AckRcvd or PppState.AckSent))
            _deadline = null;
    }
}

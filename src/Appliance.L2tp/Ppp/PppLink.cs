using System.Buffers.Binary;
using System.Net;
using Appliance.Ike;

namespace Appliance.L2tp.Ppp;

/// <summary>What a PPP link hands to the L2TP session that carries it.</summary>
internal interface IPppLinkEvents
{
    void SendFrame(byte[] frame);
    void Connected(string userName, IPAddress address, int peerMru);
    void IpReceived(IPAddress clientAddress, byte[] packet);
    void Finished(string reason);
}

/// <summary>The link phases of RFC 1661 §3.2.</summary>
internal enum PppPhase { Dead, Establish, Authenticate, Network }

/// <summary>
/// One PPP link as the server sees it (RFC 1661 §3): LCP establishes it, MS-CHAPv2 authenticates the user, IPCP gives
/// the client an address from the pool, then IP packets flow. Frames of other phases are discarded (§3.4, §3.5); in the
/// network phase a protocol we do not run (CCP, IPv6CP, ...) gets a Protocol-Reject (§5.7). The address goes back to
/// the pool when the link is disposed.
/// </summary>
internal sealed class PppLink : ILcpOwner, IIpcpOwner, IDisposable
{
    private readonly PppOptions _options;
    private readonly L2tpCounters _counters;
    private readonly IPppAddressPool _pool;
    private readonly IPppLinkEvents _events;
    private readonly Lcp _lcp;
    private readonly Ipcp _ipcp;
    private readonly MsChapV2Authenticator _chap;
    private bool _finished;

    public PppLink(PppOptions options, L2tpCounters counters, IIkeRandom random, IEapUserStore users, EapGuard guard,
        IPppAddressPool pool, IPppLinkEvents events)
    {
        _options = options;
        _counters = counters;
        _pool = pool;
        _events = events;
        _lcp = new Lcp(options, counters, random, SendPacket, this);
        _ipcp = new Ipcp(options, counters, SendPacket, this);
        _chap = new MsChapV2Authenticator(options, counters, random, users, guard, SendPacket);
    }

    public PppPhase Phase { get; private set; } = PppPhase.Dead;
    public PppState LcpState => _lcp.State;
    public PppState IpcpState => _ipcp.State;
    public string? UserName => _chap.UserName;
    public IPAddress? Address { get; private set; }
    public int PeerMru => _lcp.PeerMru;

    /// <summary>The L2TP session is up: LCP gets Open and Up and sends its first Configure-Request.</summary>
    public void Start(DateTimeOffset now)
    {
        Phase = PppPhase.Establish;
        _lcp.Open(now);
        _lcp.Up(now);
    }

    /// <summary>An administrative close: LCP Terminate-Request, then <see cref="IPppLinkEvents.Finished"/>.</summary>
    public void Close(DateTimeOffset now, string reason) => _lcp.Close(now, reason);

    public void Receive(ReadOnlySpan<byte> frame, DateTimeOffset now)
    {
        if (_finished)
            return;
        if (!PppFrame.TryParse(frame, out ushort protocol, out int at))
        {
            _counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        ReadOnlySpan<byte> info = frame[at..];
        if (protocol == PppProtocol.Lcp)
        {
            _lcp.Receive(info, now);
            return;
        }
        if (_lcp.State != PppState.Opened)
            return; // §3.4: only LCP before the link is established
        if (protocol == PppProtocol.Chap)
        {
            _chap.Receive(info, now);
            AfterAuthentication(now);
            return;
        }
        if (Phase != PppPhase.Network)
            return; // §3.5: network-layer packets wait for authentication
        switch (protocol)
        {
            case PppProtocol.Ipcp: _ipcp.Receive(info, now); break;
            case PppProtocol.Ip: ReceiveIp(info); break;
            default: _lcp.SendProtocolReject(protocol, info); break;
        }
    }

    /// <summary>An IP packet for the client; false when IPCP is not open or it exceeds the client's MRU.</summary>
    public bool SendIp(ReadOnlySpan<byte> packet)
    {
        if (_ipcp.State != PppState.Opened || _finished)
            return false;
        if (packet.Length > _lcp.PeerMru)
        {
            _counters.Increment(L2tpCounter.OversizedIpPackets);
            return false;
        }
        _counters.Increment(L2tpCounter.IpPacketsOut);
        _events.SendFrame(PppFrame.Build(PppProtocol.Ip, packet));
        return true;
    }

    public void Tick(DateTimeOffset now)
    {
        if (_finished)
            return;
        _lcp.Tick(now);
        if (_finished) return;
        _chap.Tick(now);
        AfterAuthentication(now);
        if (_finished) return;
        _ipcp.Tick(now);
    }

    public DateTimeOffset? Deadline
    {
        get
        {
            if (_finished) return null;
            DateTimeOffset? d = _lcp.Deadline;
            foreach (DateTimeOffset? other in (DateTimeOffset?[])[_chap.Result == MsChapV2Authenticator.Outcome.Pending && Phase == PppPhase.Authenticate ? _chap.Deadline : null, _ipcp.Deadline])
                if (other is { } o && (d is null || o < d)) d = o;
            return d;
        }
    }

    private void ReceiveIp(ReadOnlySpan<byte> packet)
    {
        if (_ipcp.State != PppState.Opened)
            return;
        // A well-formed IPv4 header whose source is the address IPCP gave this client (no spoofing through the tunnel).
        if (packet.Length < 20 || packet[0] >> 4 != 4 || (packet[0] & 0x0F) < 5)
        {
            _counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (total < (packet[0] & 0x0F) * 4 || total > packet.Length)
        {
            _counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        if (Address is null || !packet.Slice(12, 4).SequenceEqual(Address.GetAddressBytes()))
        {
            _counters.Increment(L2tpCounter.SpoofedSource);
            return;
        }
        _counters.Increment(L2tpCounter.IpPacketsIn);
        _events.IpReceived(Address, packet[..total].ToArray());
    }

    private void AfterAuthentication(DateTimeOffset now)
    {
        if (Phase != PppPhase.Authenticate)
            return;
        switch (_chap.Result)
        {
            case MsChapV2Authenticator.Outcome.Failure:
                Phase = PppPhase.Establish;
                _lcp.Close(now, $"authentication failed: {_chap.FailureReason}");
                break;
            case MsChapV2Authenticator.Outcome.Success:
                Address ??= _pool.Allocate(); // a renegotiated link keeps its address
                if (Address is null)
                {
                    _counters.Increment(L2tpCounter.AddressPoolExhausted);
                    _lcp.Close(now, "address pool exhausted");
                    return;
                }
                Phase = PppPhase.Network;
                _ipcp.ClientAddress = Address;
                _ipcp.Open(now);
                _ipcp.Up(now);
                break;
        }
    }

    private void SendPacket(ushort protocol, byte[] packet) => _events.SendFrame(PppFrame.Build(protocol, packet));

    void ILcpOwner.LcpUp(DateTimeOffset now)
    {
        Phase = PppPhase.Authenticate;
        _chap.Start(now);
    }

    void ILcpOwner.LcpDown(DateTimeOffset now)
    {
        // §3.2: leaving the network phase takes every network protocol down with the link.
        _ipcp.Down(now);
        if (Phase == PppPhase.Network) Phase = PppPhase.Establish;
    }

    void ILcpOwner.LcpFinished(DateTimeOffset now)
    {
        if (_finished)
            return;
        _finished = true;
        Phase = PppPhase.Dead;
        _events.Finished(_lcp.FinishReason ?? "LCP finished");
    }

    void ILcpOwner.ProtocolRejected(ushort protocol, DateTimeOffset now)
    {
        if (protocol == PppProtocol.Ipcp)
            _ipcp.ReceiveReject(catastrophic: true, now, "IPCP");
        else if (protocol == PppProtocol.Chap)
            _lcp.Close(now, "the client rejected CHAP");
    }

    void IIpcpOwner.IpcpUp(DateTimeOffset now) => _events.Connected(_chap.UserName!, Address!, _lcp.PeerMru);

    void IIpcpOwner.IpcpDown(DateTimeOffset now) { }

    void IIpcpOwner.IpcpFinished(DateTimeOffset now) => _lcp.Close(now, _ipcp.FinishReason ?? "IPCP finished");

    public void Dispose()
    {
        if (Address is not null)
        {
            _pool.Release(Address);
            Address = null;
        }
        _chap.Dispose();
    }
}

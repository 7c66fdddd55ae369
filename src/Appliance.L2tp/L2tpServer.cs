using System.Buffers.Binary;
using System.Net;
using Appliance.Ike;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp;

/// <summary>
/// The L2TP network server (LNS, RFC 2661) with PPP inside each session, sans I/O: datagrams from UDP 1701 of the
/// transport-mode SA come in through <see cref="HandleDatagram"/>, time through <see cref="Tick"/> (from the injected
/// <see cref="TimeProvider"/>); what to send, what happened and the clients' IP packets are dequeued. Not thread-safe:
/// one caller drives it. Bad input is counted in <see cref="Counters"/> and dropped, never thrown.
/// </summary>
public sealed partial class L2tpServer : IL2tpSessionOwner, IDisposable
{
    private readonly TimeProvider _time;
    private readonly IIkeRandom _random;
    private readonly IEapUserStore _users;
    private readonly IPppAddressPool _pool;
    private readonly EapGuard _guard = new();
    private readonly Dictionary<ushort, L2tpTunnel> _tunnels = [];
    private readonly Dictionary<(IPEndPoint Peer, ushort PeerTunnelId), L2tpTunnel> _byPeer = [];
    private readonly Dictionary<IPAddress, L2tpSession> _byAddress = [];
    private readonly Queue<L2tpDatagram> _outgoing = new();
    private readonly Queue<L2tpEvent> _events = new();
    private readonly Queue<L2tpIpPacket> _ipPackets = new();

    public L2tpServer(TimeProvider time, IEapUserStore users, IPppAddressPool pool, L2tpServerOptions? options = null, IIkeRandom? random = null)
    {
        _time = time;
        _users = users;
        _pool = pool;
        Options = options ?? new L2tpServerOptions();
        _random = random ?? SystemIkeRandom.Instance;
    }

    public L2tpServerOptions Options { get; }
    public L2tpCounters Counters { get; } = new();
    public int TunnelCount => _tunnels.Count;
    public int SessionCount => _tunnels.Values.Sum(t => t.Sessions.Count);

    /// <summary>One UDP payload from <paramref name="peer"/> (its address and port as the SA delivered them).</summary>
    public void HandleDatagram(IPEndPoint peer, ReadOnlySpan<byte> datagram)
    {
        Counters.Increment(L2tpCounter.DatagramsReceived);
        try
        {
            HandleDatagramCore(peer, datagram, _time.GetUtcNow());
        }
        catch (Exception) when (!System.Diagnostics.Debugger.IsAttached)
        {
            // Defence in depth: a bug must not take the service down with it. The fuzz harness treats this as a finding.
            Counters.Increment(L2tpCounter.InternalError);
        }
    }

    /// <summary>Retransmissions, HELLOs, PPP timers and expiries due now; the time until the next one, null when idle.</summary>
    public TimeSpan? Tick()
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset? at)
        {
            if (at is { } a && (next is null || a < next)) next = a;
        }
        foreach (L2tpTunnel tunnel in _tunnels.Values.ToList())
        {
            if (tunnel.RemoveAt is { } removeAt && removeAt <= now)
            {
                RemoveTunnel(tunnel, "tunnel closed");
                continue;
            }
            if (!tunnel.Channel.Tick(now))
            {
                Counters.Increment(L2tpCounter.TunnelsGivenUp);
                RemoveTunnel(tunnel, "the LAC stopped acknowledging control messages");
                continue;
            }
            if (tunnel.State == TunnelState.Established && tunnel.Channel.Outstanding == 0)
            {
                if (now - tunnel.LastActivity >= Options.HelloInterval)
                {
                    tunnel.LastActivity = now;
                    SendControl(tunnel, 0, ControlMessage.Build(MessageType.Hello), now);
                }
                Consider(tunnel.LastActivity + Options.HelloInterval);
            }
            foreach (L2tpSession session in tunnel.Sessions.Values.ToList())
            {
                session.Ppp?.Tick(now);
                Consider(session.Ppp?.Deadline);
            }
            Consider(tunnel.Channel.NextDeadline);
            Consider(tunnel.RemoveAt);
        }
        return next is { } n ? (n > now ? n - now : TimeSpan.Zero) : null;
    }

    /// <summary>Every session of every tunnel, for `appliance status`.</summary>
    public IReadOnlyList<L2tpSessionInfo> Sessions() =>
        _tunnels.Values.SelectMany(t => t.Sessions.Values.Select(s => new L2tpSessionInfo(t.Peer, s.Key, t.HostName,
            s.Ppp is { } ppp ? (ppp.IpcpState == PppState.Opened ? "connected" : ppp.Phase.ToString().ToLowerInvariant()) : "l2tp-" + s.State.ToString().ToLowerInvariant(),
            s.Ppp?.UserName, s.Ppp?.IpcpState == PppState.Opened ? s.Ppp.Address : null))).ToList();

    public bool TryDequeueOutgoing(out L2tpDatagram datagram) => _outgoing.TryDequeue(out datagram!);

    public bool TryDequeueEvent(out L2tpEvent e) => _events.TryDequeue(out e!);

    public bool TryDequeueIpPacket(out L2tpIpPacket packet) => _ipPackets.TryDequeue(out packet!);

    /// <summary>An IP packet to the client that IPCP gave <paramref name="clientAddress"/>; false when there is none or it does not fit.</summary>
    public bool SendIpPacket(IPAddress clientAddress, ReadOnlySpan<byte> packet) =>
        _byAddress.TryGetValue(clientAddress, out L2tpSession? session) && session.Ppp!.SendIp(packet);

    /// <summary>Ends a session from our side: PPP terminates (LCP Terminate-Request), then a CDN goes to the LAC.</summary>
    public void Disconnect(L2tpSessionKey key, string reason)
    {
        if (_tunnels.TryGetValue(key.TunnelId, out L2tpTunnel? tunnel) && tunnel.Sessions.TryGetValue(key.SessionId, out L2tpSession? session))
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (session.Ppp is { } ppp)
                ppp.Close(now, reason);
            else
                CloseSession(session, ResultCodes.CdnAdministrative, ResultCodes.ErrorNone, reason, sendCdn: true, now);
        }
    }

    /// <summary>Clears every tunnel with StopCCN "requester is being shut down" (§4.4.2).</summary>
    public void Shutdown()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (L2tpTunnel tunnel in _tunnels.Values.Where(t => !t.IsStopping).ToList())
            StopTunnel(tunnel, ResultCodes.StopShuttingDown, ResultCodes.ErrorNone, "server shutting down", now);
    }

    public void Dispose()
    {
        foreach (L2tpTunnel tunnel in _tunnels.Values.ToList())
            RemoveTunnel(tunnel, "server disposed");
    }

    private void HandleDatagramCore(IPEndPoint peer, ReadOnlySpan<byte> datagram, DateTimeOffset now)
    {
        if (!L2tpHeader.TryParse(datagram, out L2tpHeader header, out Range payloadRange, out L2tpDrop drop))
        {
            Counters.Increment(drop == L2tpDrop.WrongVersion ? L2tpCounter.WrongVersion : L2tpCounter.Malformed);
            return;
        }
        ReadOnlySpan<byte> payload = datagram[payloadRange];
        if (!header.IsControl)
        {
            HandleData(peer, header, payload, now);
            return;
        }
        ControlMessage? message = null;
        if (payload.Length > 0 && (message = ControlMessage.TryParse(payload)) is null)
        {
            Counters.Increment(L2tpCounter.Malformed);
            return;
        }
        L2tpTunnel? tunnel;
        if (header.TunnelId == 0)
        {
            // Only an SCCRQ may come before the LAC knows our Tunnel ID (§3.1); its retransmissions find the same tunnel.
            if (message is not { Type: MessageType.Sccrq } || message.U16(AvpType.AssignedTunnelId) is not ({ } peerTunnel and not 0))
            {
                Counters.Increment(message is null ? L2tpCounter.UnknownTunnel : L2tpCounter.Malformed);
                return;
            }
            if (!_byPeer.TryGetValue((peer, peerTunnel), out tunnel))
            {
                if (header.Ns != 0 || _tunnels.Count >= 2 * Options.MaxTunnels)
                {
                    Counters.Increment(header.Ns != 0 ? L2tpCounter.Malformed : L2tpCounter.RefusedTunnels);
                    return;
                }
                tunnel = CreateTunnel(peer, peerTunnel, now);
            }
        }
        else if (!_tunnels.TryGetValue(header.TunnelId, out tunnel))
        {
            Counters.Increment(L2tpCounter.UnknownTunnel);
            return;
        }
        if (!tunnel.Peer.Equals(peer))
        {
            Counters.Increment(L2tpCounter.WrongPeer);
            return;
        }
        byte[] avps = payload.ToArray();
        switch (tunnel.Channel.Receive(header, avps, now, out bool zlb))
        {
            case ControlChannel.Arrival.InOrder when !zlb:
                tunnel.LastActivity = now;
                Process(tunnel, header, message!, now);
                while (_tunnels.ContainsKey(tunnel.Id) && tunnel.Channel.TryTakeNextHeld(out L2tpHeader heldHeader, out byte[] heldAvps))
                    Process(tunnel, heldHeader, ControlMessage.TryParse(heldAvps)!, now);
                break;
            case ControlChannel.Arrival.InOrder:
                tunnel.LastActivity = now;
                break;
            case ControlChannel.Arrival.Duplicate: Counters.Increment(L2tpCounter.DuplicateControl); break;
            case ControlChannel.Arrival.HeldEarly: Counters.Increment(L2tpCounter.EarlyControlHeld); break;
            case ControlChannel.Arrival.OutsideWindow: Counters.Increment(L2tpCounter.ControlOutsideWindow); break;
        }
        if (_tunnels.ContainsKey(tunnel.Id))
            tunnel.Channel.FlushAck();
    }

    private void HandleData(IPEndPoint peer, L2tpHeader header, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        if (!_tunnels.TryGetValue(header.TunnelId, out L2tpTunnel? tunnel))
        {
            Counters.Increment(L2tpCounter.UnknownTunnel);
            return;
        }
        if (!tunnel.Peer.Equals(peer))
        {
            Counters.Increment(L2tpCounter.WrongPeer);
            return;
        }
        if (!tunnel.Sessions.TryGetValue(header.SessionId, out L2tpSession? session) || session.Ppp is null)
        {
            Counters.Increment(L2tpCounter.UnknownSession);
            return;
        }
        if (header.HasSequence)
        {
            // §5.4: data messages are not retransmitted; one older than the last we took is stale and dropped.
            if (session.ExpectedDataNs is { } expected && ControlChannel.Before(header.Ns, expected))
            {
                Counters.Increment(L2tpCounter.DataOutOfOrder);
                return;
            }
            session.ExpectedDataNs = (ushort)(header.Ns + 1);
        }
        session.Ppp.Receive(payload, now);
    }

    private L2tpTunnel CreateTunnel(IPEndPoint peer, ushort peerTunnelId, DateTimeOffset now)
    {
        ushort id = NewId(_tunnels);
        L2tpTunnel? created = null;
        var channel = new ControlChannel(Options, Counters, bytes => Send(created!.Peer, bytes)) { PeerTunnelId = peerTunnelId };
        created = new L2tpTunnel(id, peerTunnelId, peer, channel, now);
        _tunnels[id] = created;
        _byPeer[(peer, peerTunnelId)] = created;
        return created;
    }

    private void RemoveTunnel(L2tpTunnel tunnel, string reason)
    {
        foreach (L2tpSession session in tunnel.Sessions.Values.ToList())
            CloseSession(session, 0, 0, reason, sendCdn: false, _time.GetUtcNow());
        _tunnels.Remove(tunnel.Id);
        _byPeer.Remove((tunnel.Peer, tunnel.PeerId));
    }

    /// <summary>A random non-zero ID not in use (§3.1: IDs are chosen by the receiving end and 0 is reserved).</summary>
    private ushort NewId<T>(Dictionary<ushort, T> used)
    {
        Span<byte> b = stackalloc byte[2];
        while (true)
        {
            _random.Fill(b);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(b);
            if (id != 0 && !used.ContainsKey(id))
                return id;
        }
    }

    private void SendControl(L2tpTunnel tunnel, ushort peerSessionId, byte[] avps, DateTimeOffset now) =>
        tunnel.Channel.Send(peerSessionId, avps, now);

    private void Send(IPEndPoint peer, byte[] bytes)
    {
        Counters.Increment(L2tpCounter.DatagramsSent);
        _outgoing.Enqueue(new L2tpDatagram(peer, bytes));
    }
}

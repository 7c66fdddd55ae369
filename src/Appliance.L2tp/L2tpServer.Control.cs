using System.Net;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp;

// Control messages in sequence: the LNS side of the control connection (RFC 2661 §7.2.1) and of incoming calls
// (§7.4.2), with the M-bit rules of §4.1 and the teardown of §5.7 (StopCCN) and §5.6 (CDN).
public sealed partial class L2tpServer
{
    private static readonly byte[] ProtocolVersion10 = [1, 0];

    private void Process(L2tpTunnel tunnel, L2tpHeader header, ControlMessage message, DateTimeOffset now)
    {
        if (tunnel.IsStopping)
            return; // §5.7: after a StopCCN only acknowledgements matter
        if (!message.IsKnownType)
        {
            if (message.TypeMandatory)
                StopTunnel(tunnel, ResultCodes.StopGeneralError, ResultCodes.ErrorUnknownMandatoryAvp, $"unknown message type {message.RawType}", now);
            else
                Counters.Increment(L2tpCounter.IgnoredControlMessages);
            return;
        }
        if (message.FindProblem() is { } problem)
        {
            if (problem.ErrorCode == ResultCodes.ErrorUnknownMandatoryAvp)
                Counters.Increment(L2tpCounter.UnknownMandatoryAvp);
            RefuseMessage(tunnel, header, message, problem, now);
            return;
        }
        switch (message.Type)
        {
            case MessageType.Sccrq: OnSccrq(tunnel, message, now); break;
            case MessageType.Scccn:
                if (tunnel.State == TunnelState.WaitCtlConn)
                    tunnel.State = TunnelState.Established;
                else
                    StopTunnel(tunnel, ResultCodes.StopFsmError, ResultCodes.ErrorNone, "SCCCN outside wait-ctl-conn", now);
                break;
            case MessageType.StopCcn: OnStopCcn(tunnel, message, now); break;
            case MessageType.Hello: break; // §6.5: its acknowledgement is the whole answer
            case MessageType.Icrq: OnIcrq(tunnel, message, now); break;
            case MessageType.Iccn: OnIccn(tunnel, header, message, now); break;
            case MessageType.Cdn: OnCdn(tunnel, header, message, now); break;
            case MessageType.Sccrp:
                StopTunnel(tunnel, ResultCodes.StopFsmError, ResultCodes.ErrorNone, "SCCRP sent to the LNS", now);
                break;
            default:
                // WEN and SLI (§6.14, §6.15) only inform; outgoing calls (OCRQ...) are not offered by this LNS.
                Counters.Increment(L2tpCounter.IgnoredControlMessages);
                break;
        }
    }

    /// <summary>§4.1: an AVP we cannot act on ends the session the message belongs to (CDN), or else the tunnel (StopCCN).</summary>
    private void RefuseMessage(L2tpTunnel tunnel, L2tpHeader header, ControlMessage message, AvpProblem problem, DateTimeOffset now)
    {
        switch (message.Type)
        {
            case MessageType.StopCcn:
                OnStopCcn(tunnel, message, now);
                return;
            case MessageType.Icrq when tunnel.State == TunnelState.Established && message.U16(AvpType.AssignedSessionId) is { } peerSession and not 0:
                SendCdn(tunnel, peerSession, 0, ResultCodes.CdnGeneralError, problem.ErrorCode, problem.Message, now);
                return;
            case MessageType.Iccn or MessageType.Cdn or MessageType.Sli or MessageType.Wen
                when tunnel.Sessions.TryGetValue(header.SessionId, out L2tpSession? session):
                CloseSession(session, ResultCodes.CdnGeneralError, problem.ErrorCode, problem.Message, sendCdn: message.Type != MessageType.Cdn, now);
                return;
            default:
                StopTunnel(tunnel, ResultCodes.StopGeneralError, problem.ErrorCode, problem.Message, now);
                return;
        }
    }

    private void OnSccrq(L2tpTunnel tunnel, ControlMessage m, DateTimeOffset now)
    {
        if (tunnel.State != TunnelState.Idle)
        {
            StopTunnel(tunnel, ResultCodes.StopFsmError, ResultCodes.ErrorNone, "SCCRQ on an existing control connection", now);
            return;
        }
        tunnel.HostName = m.Text(AvpType.HostName);
        if (m.Find(AvpType.ProtocolVersion) is not { } version || !version.Value.AsSpan().SequenceEqual(ProtocolVersion10))
        {
            StopTunnel(tunnel, ResultCodes.StopVersionNotSupported, ResultCodes.ErrorNone, "only L2TP version 1.0 (RFC 2661)", now);
            return;
        }
        if (tunnel.HostName is null || !m.Has(AvpType.FramingCapabilities))
        {
            StopTunnel(tunnel, ResultCodes.StopGeneralError, ResultCodes.ErrorValueOutOfRange, "SCCRQ without Host Name or Framing Capabilities", now);
            return;
        }
        if (m.Has(AvpType.Challenge))
        {
            // §5.1.1 tunnel authentication needs a shared secret; L2TP/IPsec clients rely on IPsec instead.
            StopTunnel(tunnel, ResultCodes.StopNotAuthorized, ResultCodes.ErrorNone, "tunnel authentication is not configured", now);
            return;
        }
        if (m.U16(AvpType.ReceiveWindowSize) is { } window)
        {
            if (window == 0)
            {
                StopTunnel(tunnel, ResultCodes.StopGeneralError, ResultCodes.ErrorValueOutOfRange, "Receive Window Size 0", now);
                return;
            }
            tunnel.Channel.PeerWindow = window;
        }
        if (_tunnels.Values.Count(t => !t.IsStopping) > Options.MaxTunnels)
        {
            Counters.Increment(L2tpCounter.RefusedTunnels);
            StopTunnel(tunnel, ResultCodes.StopGeneralError, ResultCodes.ErrorInsufficientResources, "too many tunnels", now);
            return;
        }
        tunnel.State = TunnelState.WaitCtlConn;
        SendControl(tunnel, 0, ControlMessage.Build(MessageType.Sccrp, w => w
            .Add(AvpType.ProtocolVersion, ProtocolVersion10)
            .U32(AvpType.FramingCapabilities, 3) // synchronous and asynchronous (§4.4.3)
            .Add(AvpType.HostName, System.Text.Encoding.ASCII.GetBytes(Options.HostName))
            .U16(AvpType.AssignedTunnelId, tunnel.Id)
            .U16(AvpType.ReceiveWindowSize, (ushort)Options.ReceiveWindow)
            .Add(AvpType.VendorName, "Appliance"u8, mandatory: false)), now);
    }

    private void OnStopCcn(L2tpTunnel tunnel, ControlMessage m, DateTimeOffset now)
    {
        (ushort result, ushort? error, string? text) = m.Result() ?? (0, null, null);
        string reason = $"StopCCN from the LAC: result {result}" + (error is { } e ? $", error {e}" : "") + (text is null ? "" : $" ({text})");
        foreach (L2tpSession session in tunnel.Sessions.Values.ToList())
            CloseSession(session, 0, 0, reason, sendCdn: false, now);
        tunnel.State = TunnelState.StopReceived;
        tunnel.RemoveAt = now + Options.StopLinger;
    }

    private void StopTunnel(L2tpTunnel tunnel, ushort result, ushort error, string message, DateTimeOffset now)
    {
        foreach (L2tpSession session in tunnel.Sessions.Values.ToList())
            CloseSession(session, 0, 0, $"tunnel stopped: {message}", sendCdn: false, now);
        tunnel.State = TunnelState.StopSent;
        tunnel.RemoveAt = now + Options.StopLinger;
        SendControl(tunnel, 0, ControlMessage.Build(MessageType.StopCcn, w => w
            .U16(AvpType.AssignedTunnelId, tunnel.Id)
            .Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(result, error, message))), now);
    }

    private void OnIcrq(L2tpTunnel tunnel, ControlMessage m, DateTimeOffset now)
    {
        if (tunnel.State != TunnelState.Established)
        {
            StopTunnel(tunnel, ResultCodes.StopFsmError, ResultCodes.ErrorNoControlConnection, "ICRQ before SCCCN", now);
            return;
        }
        if (m.U16(AvpType.AssignedSessionId) is not ({ } peerSession and not 0))
        {
            StopTunnel(tunnel, ResultCodes.StopGeneralError, ResultCodes.ErrorValueOutOfRange, "ICRQ without an Assigned Session ID", now);
            return;
        }
        if (!m.Has(AvpType.CallSerialNumber))
        {
            SendCdn(tunnel, peerSession, 0, ResultCodes.CdnGeneralError, ResultCodes.ErrorValueOutOfRange, "ICRQ without Call Serial Number", now);
            return;
        }
        if (tunnel.Sessions.Count >= Options.MaxSessionsPerTunnel)
        {
            Counters.Increment(L2tpCounter.RefusedSessions);
            SendCdn(tunnel, peerSession, 0, ResultCodes.CdnTemporaryLackOfResources, ResultCodes.ErrorInsufficientResources, "too many sessions", now);
            return;
        }
        var session = new L2tpSession(tunnel, NewId(tunnel.Sessions), peerSession, this);
        tunnel.Sessions[session.Id] = session;
        SendControl(tunnel, peerSession, ControlMessage.Build(MessageType.Icrp, w => w.U16(AvpType.AssignedSessionId, session.Id)), now);
    }

    private void OnIccn(L2tpTunnel tunnel, L2tpHeader header, ControlMessage m, DateTimeOffset now)
    {
        if (!tunnel.Sessions.TryGetValue(header.SessionId, out L2tpSession? session))
        {
            Counters.Increment(L2tpCounter.UnknownSession);
            return;
        }
        if (session.State != SessionState.WaitConnect)
        {
            CloseSession(session, ResultCodes.CdnGeneralError, ResultCodes.ErrorNone, "ICCN on an established session", sendCdn: true, now);
            return;
        }
        if (!m.Has(AvpType.TxConnectSpeed) || !m.Has(AvpType.FramingType))
        {
            CloseSession(session, ResultCodes.CdnGeneralError, ResultCodes.ErrorValueOutOfRange, "ICCN without (Tx) Connect Speed or Framing Type", sendCdn: true, now);
            return;
        }
        session.State = SessionState.Established;
        session.SendSequence = m.Has(AvpType.SequencingRequired);
        session.Connected = true;
        _events.Enqueue(new L2tpSessionUp(tunnel.Peer, session.Key));
        session.Ppp = new PppLink(Options.Ppp, Counters, _random, _users, _guard, _pool, session);
        session.Ppp.Start(now);
    }

    private void OnCdn(L2tpTunnel tunnel, L2tpHeader header, ControlMessage m, DateTimeOffset now)
    {
        // The header names our session; a CDN sent before the LAC learnt our ID names its own in Assigned Session ID.
        L2tpSession? session = tunnel.Sessions.GetValueOrDefault(header.SessionId);
        if (session is null && header.SessionId == 0 && m.U16(AvpType.AssignedSessionId) is { } peerSession)
            session = tunnel.Sessions.Values.FirstOrDefault(s => s.PeerId == peerSession);
        if (session is null)
        {
            Counters.Increment(L2tpCounter.UnknownSession);
            return;
        }
        (ushort result, ushort? error, string? text) = m.Result() ?? (0, null, null);
        CloseSession(session, 0, 0, $"CDN from the LAC: result {result}" + (error is { } e ? $", error {e}" : "") + (text is null ? "" : $" ({text})"),
            sendCdn: false, now);
    }

    private void CloseSession(L2tpSession session, ushort result, ushort error, string reason, bool sendCdn, DateTimeOffset now)
    {
        if (session.State == SessionState.Closed)
            return;
        session.State = SessionState.Closed;
        L2tpTunnel tunnel = session.Tunnel;
        tunnel.Sessions.Remove(session.Id);
        if (sendCdn)
            SendCdn(tunnel, session.PeerId, session.Id, result, error, reason, now);
        string? user = session.Ppp?.UserName;
        IPAddress? address = session.Ppp?.Address;
        if (address is not null && _byAddress.TryGetValue(address, out L2tpSession? owner) && owner == session)
            _byAddress.Remove(address);
        session.Ppp?.Dispose();
        if (session.Connected)
            _events.Enqueue(new L2tpSessionDown(tunnel.Peer, session.Key, user, address, reason));
    }

    private void SendCdn(L2tpTunnel tunnel, ushort peerSessionId, ushort ourSessionId, ushort result, ushort error, string message, DateTimeOffset now) =>
        SendControl(tunnel, peerSessionId, ControlMessage.Build(MessageType.Cdn, w => w
            .Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(result, error, message.Length > 200 ? message[..200] : message))
            .U16(AvpType.AssignedSessionId, ourSessionId)), now);

    // ---- what the PPP links report ----
    void IL2tpSessionOwner.SendData(L2tpSession session, byte[] pppFrame)
    {
        ushort? ns = session.SendSequence ? session.DataNs++ : null;
        Send(session.Tunnel.Peer, L2tpHeader.EncodeData(session.Tunnel.PeerId, session.PeerId, ns, pppFrame));
    }

    void IL2tpSessionOwner.PppConnected(L2tpSession session, string userName, IPAddress address, int peerMru)
    {
        _byAddress[address] = session;
        _events.Enqueue(new L2tpClientConnected(session.Tunnel.Peer, session.Key, userName, address, peerMru));
    }

    void IL2tpSessionOwner.IpReceived(L2tpSession session, IPAddress clientAddress, byte[] packet) =>
        _ipPackets.Enqueue(new L2tpIpPacket(session.Key, clientAddress, packet));

    void IL2tpSessionOwner.PppFinished(L2tpSession session, string reason) =>
        CloseSession(session, ResultCodes.CdnAdministrative, ResultCodes.ErrorNone, $"PPP: {reason}", sendCdn: true, _time.GetUtcNow());
}

using System.Net;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Entry point for received messages: decode, find the IKE SA, check message ID and integrity, dispatch.
public sealed partial class IkeEngine
{
    private void HandleDatagramCore(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        DecodeResult decoded = PayloadCodec.TryDecodeMessage(datagram, out DecodedMessage? message);
        if (!decoded.IsOk || message is null)
        {
            CountDecodeFailure(decoded, remote);
            if (decoded.Status == DecodeStatus.UnsupportedCriticalPayload && datagram.Length >= IkeHeader.Size)
                ReplyUnsupportedCriticalInInit(local, remote, datagram, decoded.CriticalPayloadType);
            return;
        }
        IkeHeader h = message.Header;
        if (h.Exchange == ExchangeType.IkeSaInit)
        {
            if (message.Payloads.Count > 0 && message.Payloads[^1] is EncryptedFragmentPayload)
            {
                Counters.Increment(IkeCounter.FragmentDropped); // RFC 7383 §2.5: IKE_SA_INIT is never fragmented
                return;
            }
            if (h.MessageId != 0)
            {
                Counters.Increment(IkeCounter.InvalidMessageId);
                return;
            }
            if (h.IsResponse) HandleInitResponse(local, remote, message);
            else HandleInitRequest(local, remote, message);
            return;
        }
        if (h.Exchange is not (ExchangeType.IkeAuth or ExchangeType.CreateChildSa or ExchangeType.Informational))
        {
            Counters.Increment(IkeCounter.UnexpectedExchange);
            return;
        }
        // A message from the original initiator carries our SPI as SPIr, and the other way round.
        ulong ourSpi = h.IsFromInitiator ? h.ResponderSpi : h.InitiatorSpi;
        if (!_sas.TryGetValue(ourSpi, out IkeSa? sa) || sa.IsInitiator == h.IsFromInitiator
            || sa.InitiatorSpi != h.InitiatorSpi || sa.ResponderSpi != h.ResponderSpi || sa.Inbound is null)
        {
            Counters.Increment(IkeCounter.UnknownSpi);
            return;
        }
        if (h.IsResponse) HandleProtectedResponse(sa, local, remote, message);
        else HandleProtectedRequest(sa, local, remote, message);
    }

    private void CountDecodeFailure(DecodeResult r, IPEndPoint remote)
    {
        Counters.Increment(r.Status switch
        {
            DecodeStatus.InvalidMajorVersion => IkeCounter.InvalidMajorVersion,
            DecodeStatus.UnsupportedCriticalPayload => IkeCounter.UnsupportedCriticalPayload,
            _ => IkeCounter.Malformed,
        });
        _log.LogDebug("dropped IKE message from {Remote}: {Error}", remote, r.Error);
    }

    /// <summary>RFC 7296 §2.5: an unknown critical payload in a request is answered with UNSUPPORTED_CRITICAL_PAYLOAD.</summary>
    private void ReplyUnsupportedCriticalInInit(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> datagram, byte type)
    {
        var r = new WireReader(datagram);
        IkeHeader h = IkeHeader.Read(ref r);
        if (h.Exchange == ExchangeType.IkeSaInit && !h.IsResponse && h.MessageId == 0)
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.UnsupportedCriticalPayload, [type]));
    }

    private void HandleProtectedRequest(IkeSa sa, IPEndPoint local, IPEndPoint remote, DecodedMessage message)
    {
        IkeHeader h = message.Header;
        bool retransmit = sa.CachedResponseId == h.MessageId && sa.CachedResponse is not null;
        if (!retransmit && h.MessageId != sa.NextPeerRequestId)
        {
            Counters.Increment(IkeCounter.InvalidMessageId);
            return;
        }
        var inner = new List<IkePayload>();
        SkCodec.OpenStatus open;
        DecodeResult innerResult;
        if (message.Payloads is [EncryptedFragmentPayload fragment])
        {
            if (retransmit)
            {
                AnswerRetransmittedFragment(sa, local, remote, message, fragment);
                return;
            }
            open = AcceptFragment(sa, message, fragment, isResponse: false, inner, out innerResult);
        }
        else
        {
            open = SkCodec.TryOpen(message, sa.Inbound!, inner, out innerResult);
        }
        if (!CheckOpened(open, innerResult))
        {
            if (open is SkCodec.OpenStatus.Malformed or SkCodec.OpenStatus.UnsupportedCritical && !retransmit)
                RejectUndecodableRequest(sa, h, open, innerResult);
            return;
        }
        // The request authenticated: follow the peer if it floated to port 4500 or its NAT mapping changed.
        sa.LastInbound = Now;
        FollowEndpoints(sa, local, remote);
        if (retransmit)
        {
            Counters.Increment(IkeCounter.CachedResponsesSent);
            SendAll(sa, sa.CachedResponse!);
            return;
        }
        switch (h.Exchange)
        {
            case ExchangeType.IkeAuth:
                HandleAuthRequest(sa, h, inner);
                break;
            case ExchangeType.Informational:
                HandleInformationalRequest(sa, h, inner);
                break;
            case ExchangeType.CreateChildSa:
                HandleCreateChildSaRequest(sa, h, inner);
                break;
        }
    }

    private void HandleProtectedResponse(IkeSa sa, IPEndPoint local, IPEndPoint remote, DecodedMessage message)
    {
        PendingRequest? pending = sa.Outstanding;
        if (pending is null || pending.MessageId != message.Header.MessageId || pending.Exchange != message.Header.Exchange)
        {
            Counters.Increment(IkeCounter.InvalidMessageId);
            return;
        }
        var inner = new List<IkePayload>();
        DecodeResult innerResult;
        SkCodec.OpenStatus open = message.Payloads is [EncryptedFragmentPayload fragment]
            ? AcceptFragment(sa, message, fragment, isResponse: true, inner, out innerResult)
            : SkCodec.TryOpen(message, sa.Inbound!, inner, out innerResult);
        if (!CheckOpened(open, innerResult))
            return;
        sa.Outstanding = null;
        sa.LastInbound = Now;
        if (sa.NatDetected)
            FollowEndpoints(sa, local, remote);
        switch (pending.Kind)
        {
            case RequestKind.IkeAuth:
                HandleAuthResponse(sa, inner);
                break;
            case RequestKind.DeleteIkeSa:
                RemoveSa(sa, "deleted by local request");
                return;
            case RequestKind.RekeyIkeSa:
                HandleIkeRekeyResponse(sa, pending.IkeRekey!, inner);
                break;
            case RequestKind.RekeyChildSa:
                HandleChildRekeyResponse(sa, pending.Rekey!, inner);
                break;
            case RequestKind.DeleteChildSa:
                FinishChildDelete(sa, pending);
                break;
            default:
                HandleInformationalResponse(sa, pending, inner);
                break;
        }
        if (_sas.ContainsKey(sa.LocalSpi) && sa.DeleteQueued && sa.Outstanding is null && sa.State == IkeSaState.Established)
            SendDeleteIkeSa(sa);
    }

    /// <summary>
    /// An authenticated message came from new addresses: the peer floated to 4500 or, behind a NAT, its mapping
    /// changed (RFC 7296 §2.23). IKE follows; established Child SAs follow too, and the host is told so that
    /// UDP-encapsulated ESP goes to the new mapping.
    /// </summary>
    private void FollowEndpoints(IkeSa sa, IPEndPoint local, IPEndPoint remote)
    {
        if (sa.Local.Equals(local) && sa.Remote.Equals(remote))
            return;
        sa.Local = local;
        sa.Remote = remote;
        if (sa.State != IkeSaState.Established || sa.Children.Count == 0)
            return;
        foreach (ChildSa c in sa.Children)
            c.Info = c.Info with { LocalEndpoint = local, RemoteEndpoint = remote };
        _log.LogDebug("IKE SA {Spi:x16} of '{Tunnel}': peer now at {Remote} (local {Local})", sa.LocalSpi, sa.TunnelName, remote, local);
        Raise(new PeerEndpointChanged(sa.TunnelName, local, remote, sa.Children.Select(c => c.Info.InboundSpi).ToList()));
    }

    private bool CheckOpened(SkCodec.OpenStatus open, DecodeResult innerResult)
    {
        switch (open)
        {
            case SkCodec.OpenStatus.Ok:
                return true;
            case SkCodec.OpenStatus.IntegrityFailed:
                Counters.Increment(IkeCounter.IntegrityCheckFailed);
                break;
            case SkCodec.OpenStatus.Fragment:
                Counters.Increment(IkeCounter.FragmentDropped);
                break;
            case SkCodec.OpenStatus.Incomplete:
                break; // a verified fragment was kept; the message is handled when the last one arrives
            case SkCodec.OpenStatus.UnsupportedCritical:
                Counters.Increment(IkeCounter.UnsupportedCriticalPayload);
                break;
            default:
                Counters.Increment(IkeCounter.Malformed);
                _log.LogDebug("dropped protected IKE message: {Error}", innerResult.Error);
                break;
        }
        return false;
    }

    /// <summary>
    /// The request verified but its inner payloads did not decode: answer INVALID_SYNTAX or
    /// UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 §2.21.1–2.21.2); an IKE_AUTH that fails so ends the IKE SA.
    /// </summary>
    private void RejectUndecodableRequest(IkeSa sa, IkeHeader h, SkCodec.OpenStatus open, DecodeResult innerResult)
    {
        NotifyPayload notify = open == SkCodec.OpenStatus.UnsupportedCritical
            ? new NotifyPayload(NotifyType.UnsupportedCriticalPayload, [innerResult.CriticalPayloadType])
            : new NotifyPayload(NotifyType.InvalidSyntax);
        if (open == SkCodec.OpenStatus.Malformed)
            Counters.Increment(IkeCounter.InvalidSyntax);
        SendResponse(sa, h, [notify]);
        if (h.Exchange == ExchangeType.IkeAuth && sa.State == IkeSaState.Connecting)
        {
            Raise(new IkeSaFailed(sa.TunnelName, $"peer's IKE_AUTH request was unparseable: {innerResult.Error}"));
            RemoveSa(sa, "invalid IKE_AUTH request");
        }
    }
}

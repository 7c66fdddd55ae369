using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Message IDs, retransmission state, the response cache and SA bookkeeping (RFC 7296 §2.1–2.3).
public sealed partial class IkeEngine
{
    private readonly Dictionary<ulong, IkeSa> _sas = new();

    private sealed class RandomAdapter(IIkeRandom random) : IIkeRandomBytes
    {
        public void Fill(Span<byte> buffer) => random.Fill(buffer);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        _random.Fill(b);
        return b;
    }

    private ulong NewIkeSpi()
    {
        Span<byte> b = stackalloc byte[8];
        while (true)
        {
            _random.Fill(b);
            ulong spi = BinaryPrimitives.ReadUInt64BigEndian(b);
            if (spi != 0 && !_sas.ContainsKey(spi))
                return spi;
        }
    }

    /// <summary>Inbound ESP SPIs 1–255 are reserved by IANA (RFC 4303 §2.1), and ours must be unique.</summary>
    private uint NewChildSpi()
    {
        Span<byte> b = stackalloc byte[4];
        while (true)
        {
            _random.Fill(b);
            uint spi = BinaryPrimitives.ReadUInt32BigEndian(b);
            if (spi >= 256 && !_sas.Values.Any(s => s.PendingChildSpi == spi || s.Outstanding?.Rekey?.NewSpi == spi
                    || s.Children.Any(c => c.Info.InboundSpi == spi)))
                return spi;
        }
    }

    /// <summary>AEAD IVs must never repeat under one key (RFC 5282 §3): a counter guarantees it. CBC needs unpredictable IVs.</summary>
    private byte[] NextIv(IkeSa sa)
    {
        SkProtection p = sa.Outbound!;
        var iv = new byte[p.IvSize];
        if (sa.Suite!.Integrity == IntegrityAlgorithm.None && iv.Length >= 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(iv.Length - 8), sa.NextIv);
            sa.NextIv++;
        }
        else
        {
            _random.Fill(iv);
        }
        return iv;
    }

    private IkeFlags OwnFlags(IkeSa sa) => sa.IsInitiator ? IkeFlags.Initiator : IkeFlags.None;

    private PendingRequest SendRequest(IkeSa sa, ExchangeType exchange, RequestKind kind, List<IkePayload> payloads)
    {
        uint id = sa.NextRequestId++;
        var header = new IkeHeader(sa.InitiatorSpi, sa.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, exchange, OwnFlags(sa), id, 0);
        IReadOnlyList<byte[]> datagrams = EncodeProtected(sa, header, payloads);
        sa.Outstanding = new PendingRequest(id, exchange, kind, datagrams, Now + Options.RetransmitTimeout);
        SendAll(sa, datagrams);
        return sa.Outstanding;
    }

    private void SendResponse(IkeSa sa, IkeHeader request, List<IkePayload> payloads)
    {
        var header = new IkeHeader(sa.InitiatorSpi, sa.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, request.Exchange,
            OwnFlags(sa) | IkeFlags.Response, request.MessageId, 0);
        IReadOnlyList<byte[]> datagrams = EncodeProtected(sa, header, payloads);
        sa.CachedResponseId = request.MessageId;
        sa.CachedResponse = datagrams;
        sa.NextPeerRequestId = request.MessageId + 1;
        SendAll(sa, datagrams);
    }

    /// <summary>Unencrypted IKE_SA_INIT error reply (cookie, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN ...): no state is kept.</summary>
    private void SendStatelessInitReply(IPEndPoint local, IPEndPoint remote, IkeHeader request, NotifyPayload notify)
    {
        var header = new IkeHeader(request.InitiatorSpi, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit,
            IkeFlags.Response, request.MessageId, 0);
        Send(local, remote, PayloadCodec.EncodePlain(header, [notify]));
    }

    private void RemoveSa(IkeSa sa, string reason)
    {
        foreach (ChildSa child in sa.Children)
            Raise(new ChildSaDeleted(sa.TunnelName, child.Info.InboundSpi, child.Info.OutboundSpi, reason, child.Replaced || sa.Replaced));
        sa.Children.Clear();
        if (sa.Rekeying && sa.PeerReplacement is { } successor && _sas.ContainsKey(successor.LocalSpi))
            successor.Replaced = false; // our colliding rekey died with this SA: the peer's new SA is the survivor
        ReleaseLease(sa, reason);
        if (sa.State != IkeSaState.Connecting)
            Raise(new IkeSaDeleted(sa.TunnelName, sa.InitiatorSpi, sa.ResponderSpi, reason, sa.Replaced));
        _sas.Remove(sa.LocalSpi);
        _log.LogDebug("IKE SA {SpiI:x16}_i {SpiR:x16}_r of '{Tunnel}' removed: {Reason}", sa.InitiatorSpi, sa.ResponderSpi, sa.TunnelName, reason);
        sa.Dispose();
    }

    private static T? Find<T>(IReadOnlyList<IkePayload> payloads) where T : IkePayload =>
        payloads.OfType<T>().FirstOrDefault();

    private static NotifyPayload? FindNotify(IReadOnlyList<IkePayload> payloads, NotifyType type) =>
        payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == type);

    private static NotifyPayload? FirstError(IReadOnlyList<IkePayload> payloads) =>
        payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType.IsError());

    private static IdPayload? FindId(IReadOnlyList<IkePayload> payloads, bool responder) =>
        payloads.OfType<IdPayload>().FirstOrDefault(p => p.IsResponder == responder);

    private static TsPayload? FindTs(IReadOnlyList<IkePayload> payloads, bool responder) =>
        payloads.OfType<TsPayload>().FirstOrDefault(p => p.IsResponder == responder);
}

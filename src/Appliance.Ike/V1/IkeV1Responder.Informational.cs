using System.Buffers.Binary;
using System.Net;

namespace Appliance.Ike.V1;

/// <summary>
/// Informational exchanges (RFC 2409 §5.7, always encrypted with HASH(1) after phase 1): DELETE (RFC 2408 §3.15),
/// INITIAL-CONTACT (RFC 2407 §4.6.3.3), DPD R-U-THERE / R-U-THERE-ACK (RFC 3706 §5).
/// </summary>
public sealed partial class IkeV1Responder
{
    private const int SeenInformationalIds = 32;

    private void HandleInformational(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        if (sa.State != IsakmpState.Established || !header.Encrypted || header.MessageId == 0)
        {
            // Clear notifies (a peer's error during Main Mode) carry nothing we can trust.
            Counters.Increment(IkeV1Counter.UnexpectedMessage);
            return;
        }
        if (sa.SeenInformationalIds.Contains(header.MessageId))
        {
            Counters.Increment(IkeV1Counter.UnexpectedMessage);
            return;
        }
        byte[] iv = V1KeyDerivation.Phase2Iv(sa.Choice.Hash, sa.Iv, header.MessageId, sa.Choice.Cipher.BlockSize);
        byte[]? plain = Decrypt(sa, message, iv, out _);
        if (plain is null)
            return;
        ChainError error = PayloadChain.Parse(plain, 0, plain.Length, header.NextPayload, _payloads);
        if (error != ChainError.None)
        {
            Counters.Increment(error == ChainError.UnknownPayload ? IkeV1Counter.UnknownPayload : IkeV1Counter.DecryptionFailed);
            return;
        }
        if (!VerifyHash(sa, plain, _payloads, header.MessageId, null))
            return;
        sa.SeenInformationalIds.Add(header.MessageId);
        if (sa.SeenInformationalIds.Count > SeenInformationalIds)
            sa.SeenInformationalIds.RemoveAt(0);
        Touch(sa, local, remote);
        // Copy: the handlers below may send, which reuses _payloads.
        var payloads = new List<IsakmpPayload>(_payloads);
        foreach (IsakmpPayload p in payloads)
        {
            if (!_sas.ContainsKey(sa.ResponderCookie))
                return; // deleted by an earlier payload
            if (p.Type == PayloadType.Notification)
                HandleNotify(sa, plain, p);
            else if (p.Type == PayloadType.Delete)
                HandleDelete(sa, plain, p);
        }
    }

    private void HandleNotify(IsakmpSa sa, byte[] plain, IsakmpPayload p)
    {
        if (p.BodyLength < 8)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        ReadOnlySpan<byte> body = plain.AsSpan(p.BodyStart, p.BodyLength);
        int spiSize = body[5];
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(body[6..]);
        if (8 + spiSize > body.Length)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        ReadOnlySpan<byte> data = body[(8 + spiSize)..];
        switch (type)
        {
            case NotifyType.RUThere:
                if (data.Length != 4)
                {
                    Counters.Increment(IkeV1Counter.Malformed);
                    return;
                }
                Counters.Increment(IkeV1Counter.DpdAnswered);
                SendNotify(sa, sa.Local, sa.Remote, V1Protocol.Isakmp, CookieSpi(sa), NotifyType.RUThereAck, data.ToArray());
                break;
            case NotifyType.RUThereAck:
                if (data.Length == 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == sa.DpdSequence)
                    Counters.Increment(IkeV1Counter.DpdAcksReceived);
                break;
            case NotifyType.InitialContact:
                DropOlderSas(sa);
                break;
            default:
                if (type < 8192)
                    _rateLimitedLog.Info("notify", _time.GetUtcNow(), "IKEv1: {0} sent error notify {1}", sa.Remote, type);
                break;
        }
    }

    private void HandleDelete(IsakmpSa sa, byte[] plain, IsakmpPayload p)
    {
        if (p.BodyLength < 8)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        ReadOnlySpan<byte> body = plain.AsSpan(p.BodyStart, p.BodyLength);
        byte protocol = body[4];
        int spiSize = body[5];
        int count = BinaryPrimitives.ReadUInt16BigEndian(body[6..]);
        if (spiSize == 0 || (long)spiSize * count != body.Length - 8)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        Counters.Increment(IkeV1Counter.DeletesReceived);
        if (protocol == V1Protocol.Isakmp && spiSize == 16)
        {
            for (int i = 0; i < count; i++)
                if (body.Slice(8 + 16 * i, 16).SequenceEqual(CookieSpi(sa)))
                {
                    // Phase 2 SAs outlive their ISAKMP SA (RFC 2409 §4): after a phase 1 rekey by the client they move on.
                    RetireSa(sa, "deleted by the peer", sendDelete: false);
                    return;
                }
            return;
        }
        if (protocol != V1Protocol.Esp || spiSize != 4)
            return;
        for (int i = 0; i < count; i++)
        {
            // The peer names its inbound SA: our outbound SPI (RFC 2408 §3.15).
            uint spi = BinaryPrimitives.ReadUInt32BigEndian(body[(8 + 4 * i)..]);
            EspSa? esp = sa.EspSas.Find(e => e.OutboundSpi == spi);
            if (esp is null)
                continue;
            sa.EspSas.Remove(esp);
            _events.Enqueue(new ChildSaDeleted(_options.TunnelName, esp.InboundSpi, esp.OutboundSpi, "deleted by the peer",
                Replaced: sa.EspSas.Count > 0));
        }
    }

    /// <summary>An encrypted Informational exchange with one notify, under a fresh message ID.</summary>
    private void SendNotify(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, byte protocol, byte[] spi, ushort type, byte[] data)
    {
        var rest = new PayloadBuilder().Add(PayloadType.Notification, NotifyBody(protocol, spi, type, data));
        SendInformational(sa, local, remote, rest);
    }

    private void SendInformational(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, PayloadBuilder rest)
    {
        uint mid = RandomNonZeroMessageId();
        byte[] iv = V1KeyDerivation.Phase2Iv(sa.Choice.Hash, sa.Iv, mid, sa.Choice.Cipher.BlockSize);
        byte[] chain = WithHash(sa, mid, null, rest);
        Send(local, remote, BuildEncrypted(sa, ExchangeType.Informational, mid, PayloadType.Hash, chain, ref iv));
    }

    private static byte[] DeleteBody(byte protocol, int spiSize, List<byte[]> spis)
    {
        var body = new byte[8 + spiSize * spis.Count];
        BinaryPrimitives.WriteUInt32BigEndian(body, SaPayload.DoiIpsec);
        body[4] = protocol;
        body[5] = (byte)spiSize;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(6), (ushort)spis.Count);
        for (int i = 0; i < spis.Count; i++)
            spis[i].CopyTo(body, 8 + spiSize * i);
        return body;
    }

    /// <summary>
    /// Operator or L2TP disconnect: DELETE for the peer's ESP SAs and ISAKMP SA, with the events. Port 0 matches every
    /// ISAKMP SA of that address.
    /// </summary>
    public void DeletePeer(IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        lock (_gate)
        {
            var matches = new List<IsakmpSa>();
            foreach (IsakmpSa sa in _sas.Values)
                if (remote.Port == 0 ? sa.Remote.Address.Equals(remote.Address) : sa.Remote.Equals(remote))
                    matches.Add(sa);
            foreach (IsakmpSa sa in matches)
            {
                if (sa.State == IsakmpState.Established)
                    DeleteSa(sa, "deleted locally", sendDelete: true);
                else
                    RemoveSa(sa);
            }
        }
    }

    /// <summary>Deletes an established ISAKMP SA and its ESP SAs (optionally telling the peer), with the events.</summary>
    private void DeleteSa(IsakmpSa sa, string reason, bool sendDelete)
    {
        if (sendDelete && sa.Keys is not null)
        {
            if (sa.EspSas.Count > 0)
            {
                var spis = new List<byte[]>();
                foreach (EspSa e in sa.EspSas)
                {
                    var b = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(b, e.InboundSpi);
                    spis.Add(b);
                }
                SendInformational(sa, sa.Local, sa.Remote, new PayloadBuilder().Add(PayloadType.Delete, DeleteBody(V1Protocol.Esp, 4, spis)));
            }
            SendInformational(sa, sa.Local, sa.Remote,
                new PayloadBuilder().Add(PayloadType.Delete, DeleteBody(V1Protocol.Isakmp, 16, [CookieSpi(sa)])));
        }
        foreach (EspSa e in sa.EspSas)
            _events.Enqueue(new ChildSaDeleted(_options.TunnelName, e.InboundSpi, e.OutboundSpi, reason));
        sa.EspSas.Clear();
        if (sa.State == IsakmpState.Established)
            _events.Enqueue(new IkeSaDeleted(_options.TunnelName, sa.InitiatorCookie, sa.ResponderCookie, reason));
        RemoveSa(sa);
    }

    private void RemoveSa(IsakmpSa sa)
    {
        _sas.Remove(sa.ResponderCookie);
        sa.Dh?.Dispose();
        sa.Dh = null;
    }
}

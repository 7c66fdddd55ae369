using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike.V1;

/// <summary>Main Mode with pre-shared keys (RFC 2409 §5, §5.4) and NAT-T detection (RFC 3947 §3, §4).</summary>
public sealed partial class IkeV1Responder
{
    private const int NonceLength = 32;

    /// <summary>MM1: HDR, SA, VID*. Answered with MM2: HDR, SA (one transform), VID (NAT-T, DPD).</summary>
    private void HandleMainMode1(IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        // A retransmitted MM1 gets the same MM2 (RFC 2408 §5: the responder keeps no second state).
        foreach (IsakmpSa existing in _sas.Values)
        {
            if (existing.InitiatorCookie == header.InitiatorCookie && existing.Remote.Equals(remote))
            {
                if (existing.State == IsakmpState.Mm2Sent && message.AsSpan().SequenceEqual(existing.LastRequest))
                {
                    Counters.Increment(IkeV1Counter.RetransmitsAnswered);
                    Send(local, remote, existing.LastReply);
                }
                else
                    Counters.Increment(IkeV1Counter.UnexpectedMessage);
                return;
            }
        }
        if (header.Encrypted || header.MessageId != 0)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        if (!IsIpv4(local.Address) || !IsIpv4(remote.Address))
        {
            Counters.Increment(IkeV1Counter.UnsupportedExchange); // IPv6: not implemented (our ID is ID_IPV4_ADDR)
            return;
        }
        if (_sas.Count >= _options.MaxIsakmpSas)
        {
            Counters.Increment(IkeV1Counter.SaLimitReached);
            _rateLimitedLog.Warn("limit", _time.GetUtcNow(), "IKEv1: {0} ISAKMP SAs exist, Main Mode from {1} dropped", _sas.Count, remote);
            return;
        }
        int fromSource = 0;
        foreach (IsakmpSa existing in _sas.Values)
            if (existing.State != IsakmpState.Established && existing.Remote.Address.Equals(remote.Address))
                fromSource++;
        if (fromSource >= _options.HalfOpenPerSource)
        {
            Counters.Increment(IkeV1Counter.HalfOpenPerSourceReached);
            return;
        }
        if (!ParseClear(message, header))
            return;
        IsakmpPayload? saPayload = PayloadChain.Find(_payloads, PayloadType.Sa);
        if (saPayload is null)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        NatTVariant natT = NatTVariant.None;
        bool dpd = false;
        foreach (IsakmpPayload p in _payloads)
        {
            if (p.Type != PayloadType.VendorId)
                continue;
            ReadOnlySpan<byte> vid = message.AsSpan(p.BodyStart, p.BodyLength);
            NatTVariant v = NatTraversal.Recognise(vid);
            if (v > natT)
                natT = v;
            if (vid.SequenceEqual(NatTraversal.VidDpd))
                dpd = true;
        }
        byte[] saiBody = message.AsSpan(saPayload.BodyStart, saPayload.BodyLength).ToArray();
        var proposals = new List<V1Proposal>();
        if (!SaPayload.TryParse(saiBody, proposals))
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        Phase1Choice? choice = Phase1Proposal.Choose(proposals);
        if (choice is null)
        {
            Counters.Increment(IkeV1Counter.NoProposalChosen);
            _events.Enqueue(new NoProposalChosen(_options.TunnelName, $"IKEv1 Main Mode from {remote}: no acceptable phase 1 transform"));
            _rateLimitedLog.Info("noproposal", _time.GetUtcNow(), "IKEv1: no acceptable phase 1 transform from {0}", remote);
            var n = new PayloadBuilder().Add(PayloadType.Notification, NotifyBody(V1Protocol.Isakmp, [], NotifyType.NoProposalChosen, []));
            Send(local, remote, BuildClear(header.InitiatorCookie, 0, ExchangeType.Informational, 0, n));
            return;
        }
        ulong rcookie;
        do
            rcookie = BinaryPrimitives.ReadUInt64BigEndian(RandomBytes(8));
        while (rcookie == 0 || _sas.ContainsKey(rcookie));
        DateTimeOffset now = _time.GetUtcNow();
        var ckyI = new byte[8];
        var ckyR = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(ckyI, header.InitiatorCookie);
        BinaryPrimitives.WriteUInt64BigEndian(ckyR, rcookie);
        var sa = new IsakmpSa
        {
            CkyI = ckyI,
            CkyR = ckyR,
            InitiatorCookie = header.InitiatorCookie,
            ResponderCookie = rcookie,
            Local = local,
            Remote = remote,
            State = IsakmpState.Mm2Sent,
            CreatedAt = now,
            LastHeard = now,
            Choice = choice,
            SaiBody = saiBody,
            PeerDpd = dpd,
            NatT = natT,
        };
        var reply = new PayloadBuilder().Add(PayloadType.Sa, choice.ReplySa);
        if (natT != NatTVariant.None)
            reply.Add(PayloadType.VendorId, natT switch
            {
                NatTVariant.Rfc3947 => NatTraversal.VidRfc3947,
                NatTVariant.Draft03 => NatTraversal.VidDraft03,
                _ => NatTraversal.VidDraft02n,
            });
        reply.Add(PayloadType.VendorId, NatTraversal.VidDpd);
        sa.LastRequest = message;
        sa.LastReply = BuildClear(header.InitiatorCookie, rcookie, ExchangeType.IdentityProtection, 0, reply);
        _sas[rcookie] = sa;
        Send(local, remote, sa.LastReply);
    }

    /// <summary>MM3/MM5 (and their retransmissions) on an SA found by its cookies.</summary>
    private void HandleMainModeLater(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        if (message.AsSpan().SequenceEqual(sa.LastRequest))
        {
            Counters.Increment(IkeV1Counter.RetransmitsAnswered);
            Send(local, remote, sa.LastReply);
            return;
        }
        if (sa.State == IsakmpState.Mm2Sent && !header.Encrypted)
            HandleMainMode3(sa, local, remote, header, message);
        else if (sa.State == IsakmpState.Mm4Sent && header.Encrypted)
            HandleMainMode5(sa, local, remote, message);
        else
            Counters.Increment(IkeV1Counter.UnexpectedMessage);
    }

    private bool ParseClear(byte[] message, IsakmpHeader header)
    {
        ChainError error = PayloadChain.Parse(message, IsakmpHeader.Size, message.Length, header.NextPayload, _payloads);
        if (error == ChainError.None)
            return true;
        Counters.Increment(error == ChainError.UnknownPayload ? IkeV1Counter.UnknownPayload : IkeV1Counter.Malformed);
        return false;
    }

    /// <summary>MM3: HDR, KE, Ni, [NAT-D, NAT-D...]. Answered with MM4: HDR, KE, Nr, [NAT-D(peer), NAT-D(us)].</summary>
    private void HandleMainMode3(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        if (header.MessageId != 0 || !ParseClear(message, header))
        {
            if (header.MessageId != 0)
                Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        IsakmpPayload? ke = PayloadChain.Find(_payloads, PayloadType.KeyExchange);
        IsakmpPayload? nonce = PayloadChain.Find(_payloads, PayloadType.Nonce);
        if (ke is null || nonce is null || nonce.BodyLength is < 8 or > 256)
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        KeyExchange dh = CreateKeyExchange(sa.Choice.Group);
        byte[] gxi = message.AsSpan(ke.BodyStart, ke.BodyLength).ToArray();
        if (!dh.TryComputeSharedSecret(gxi, out byte[] gxy))
        {
            dh.Dispose();
            Counters.Increment(IkeV1Counter.InvalidKeyExchange);
            return;
        }
        sa.Dh = dh;
        sa.Gxi = gxi;
        sa.Gxr = dh.PublicValue.ToArray();
        sa.Ni = message.AsSpan(nonce.BodyStart, nonce.BodyLength).ToArray();
        sa.Nr = RandomBytes(NonceLength);

        var reply = new PayloadBuilder().Add(PayloadType.KeyExchange, sa.Gxr).Add(PayloadType.Nonce, sa.Nr);
        if (sa.NatT != NatTVariant.None)
        {
            byte natDType = sa.NatT == NatTVariant.Rfc3947 ? PayloadType.NatD : PayloadType.NatDDraft;
            V1Hash hash = sa.Choice.Hash;
            byte[] ourHash = NatTraversal.NatDHash(hash, sa.CkyI, sa.CkyR, local);
            byte[] peerHash = NatTraversal.NatDHash(hash, sa.CkyI, sa.CkyR, remote);
            int seen = 0;
            bool peerMatched = false;
            foreach (IsakmpPayload p in _payloads)
            {
                if (p.Type is not (PayloadType.NatD or PayloadType.NatDDraft))
                    continue;
                ReadOnlySpan<byte> h = message.AsSpan(p.BodyStart, p.BodyLength);
                // RFC 3947 §3.2: the first NAT-D is the destination (us), the others the sender's own addresses.
                if (seen == 0)
                    sa.NatLocal = !h.SequenceEqual(ourHash);
                else if (h.SequenceEqual(peerHash))
                    peerMatched = true;
                seen++;
            }
            sa.NatRemote = seen >= 2 && !peerMatched;
            if (seen == 1)
                sa.NatRemote = true;
            reply.Add(natDType, peerHash).Add(natDType, ourHash);
        }
        byte[] skeyId = V1KeyDerivation.SkeyIdPsk(sa.Choice.Hash, _options.PreSharedKey, sa.Ni, sa.Nr);
        sa.Keys = V1KeyDerivation.Derive(sa.Choice.Hash, skeyId, gxy, sa.CkyI, sa.CkyR, sa.Choice.Cipher.KeyBytes);
        CryptographicOperations.ZeroMemory(gxy);
        sa.Iv = V1KeyDerivation.Phase1Iv(sa.Choice.Hash, sa.Gxi, sa.Gxr, sa.Choice.Cipher.BlockSize);
        sa.State = IsakmpState.Mm4Sent;
        sa.LastRequest = message;
        sa.LastReply = BuildClear(sa.InitiatorCookie, sa.ResponderCookie, ExchangeType.IdentityProtection, 0, reply);
        Send(local, remote, sa.LastReply);
    }

    /// <summary>MM5: HDR*, IDii, HASH_I [, N(INITIAL-CONTACT)]. Answered with MM6: HDR*, IDir, HASH_R.</summary>
    private void HandleMainMode5(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, byte[] message)
    {
        byte[]? plain = Decrypt(sa, message, sa.Iv, out byte[] lastBlock);
        if (plain is null)
            return;
        IsakmpHeader.TryParse(message, out IsakmpHeader header);
        ChainError error = PayloadChain.Parse(plain, 0, plain.Length, header.NextPayload, _payloads);
        IsakmpPayload? id = error == ChainError.None ? PayloadChain.Find(_payloads, PayloadType.Id) : null;
        IsakmpPayload? hashPayload = error == ChainError.None ? PayloadChain.Find(_payloads, PayloadType.Hash) : null;
        if (id is null || hashPayload is null)
        {
            // With a wrong pre-shared key SKEYID_e differs and MM5 decrypts to noise (RFC 2409 §5: the key is proven here).
            FailAuthentication(sa, remote, "Main Mode message 5 did not decrypt to ID and HASH (wrong pre-shared key?)");
            return;
        }
        byte[] idBody = plain.AsSpan(id.BodyStart, id.BodyLength).ToArray();
        byte[] expected = V1KeyDerivation.HashI(sa.Choice.Hash, sa.Keys!.SkeyId, sa.Gxi, sa.Gxr, sa.CkyI, sa.CkyR, sa.SaiBody, idBody);
        if (!CryptographicOperations.FixedTimeEquals(expected, plain.AsSpan(hashPayload.BodyStart, hashPayload.BodyLength)))
        {
            FailAuthentication(sa, remote, "HASH_I did not verify (wrong pre-shared key)");
            return;
        }
        IkeIdentity? identity = ParsePhase1Id(idBody);
        if (identity is null)
        {
            Counters.Increment(IkeV1Counter.InvalidId);
            RemoveSa(sa);
            return;
        }
        bool initialContact = false;
        foreach (IsakmpPayload p in _payloads)
            if (p.Type == PayloadType.Notification && NotifyTypeOf(plain, p) == NotifyType.InitialContact)
                initialContact = true;

        sa.Iv = lastBlock;
        sa.RemoteId = identity;
        sa.Local = local;
        sa.Remote = remote;
        DateTimeOffset now = _time.GetUtcNow();
        byte[] idrBody = new byte[4 + 4];
        idrBody[0] = V1IdType.Ipv4Addr;
        byte[] ours = local.Address.MapToIPv4().GetAddressBytes();
        ours.CopyTo(idrBody, 4);
        byte[] hashR = V1KeyDerivation.HashR(sa.Choice.Hash, sa.Keys.SkeyId, sa.Gxi, sa.Gxr, sa.CkyI, sa.CkyR, sa.SaiBody, idrBody);
        byte[] chain = new PayloadBuilder().Add(PayloadType.Id, idrBody).Add(PayloadType.Hash, hashR).Encode();
        byte[] iv = sa.Iv;
        sa.LastReply = BuildEncrypted(sa, ExchangeType.IdentityProtection, 0, PayloadType.Id, chain, ref iv);
        sa.Iv = iv; // the last CBC block of phase 1: the base of every phase 2 IV (Appendix B)
        sa.LastRequest = message;
        sa.State = IsakmpState.Established;
        sa.EstablishedAt = now;
        sa.LastHeard = now;
        TimeSpan life = sa.Choice.LifeSeconds == 0 ? TimeSpan.FromHours(8) : TimeSpan.FromSeconds(Math.Min(sa.Choice.LifeSeconds, 3_153_600_000UL));
        sa.ExpiresAt = now + (life < _options.MaxPhase1Lifetime ? life : _options.MaxPhase1Lifetime);
        sa.NextDpd = now + _options.DpdIdle;
        // RFC 3706: the first sequence number is random (kept below 2^31 so it never wraps in practice).
        sa.DpdSequence = BinaryPrimitives.ReadUInt32BigEndian(RandomBytes(4)) & 0x7fffffff;
        sa.Dh?.Dispose();
        sa.Dh = null;
        Send(local, remote, sa.LastReply);
        if (initialContact)
            DropOlderSas(sa);
        _events.Enqueue(new IkeSaEstablished(_options.TunnelName, sa.InitiatorCookie, sa.ResponderCookie, false, sa.Suite, local, remote,
            identity, sa.NatDetected, new IkeSaKeyInfo(sa.InitiatorCookie, sa.ResponderCookie, sa.Keys.EncryptionKey, sa.Keys.EncryptionKey, [], [],
                sa.Choice.Cipher.Id, sa.Choice.Cipher.KeyBytes * 8, sa.Choice.Hash.Id)));
        _log.LogInformationV1("IKEv1: ISAKMP SA with {0} ({1}) established, {2}{3}", remote, identity, sa.Suite, sa.NatDetected ? ", NAT detected" : "");
    }

    private void FailAuthentication(IsakmpSa sa, IPEndPoint remote, string detail)
    {
        Counters.Increment(IkeV1Counter.AuthenticationFailed);
        _events.Enqueue(new AuthenticationFailed(_options.TunnelName, $"IKEv1 {remote}: {detail}"));
        _rateLimitedLog.Warn("auth", _time.GetUtcNow(), "IKEv1: authentication of {0} failed: {1}", remote, detail);
        RemoveSa(sa);
    }

    /// <summary>RFC 2407 §4.6.2: ID type, protocol, port, data; IPv4 address, FQDN or user FQDN from a client.</summary>
    private static IkeIdentity? ParsePhase1Id(byte[] body)
    {
        if (body.Length < 5)
            return null;
        ReadOnlySpan<byte> data = body.AsSpan(4);
        return body[0] switch
        {
            V1IdType.Ipv4Addr when data.Length == 4 => new IkeIdentity(IkeIdType.Ipv4Addr, data),
            V1IdType.Fqdn => new IkeIdentity(IkeIdType.Fqdn, data),
            V1IdType.UserFqdn => new IkeIdentity(IkeIdType.Rfc822Addr, data),
            _ => null,
        };
    }

    private static bool IsIpv4(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || a.IsIPv4MappedToIPv6;

    private static ushort NotifyTypeOf(byte[] buffer, IsakmpPayload p) =>
        p.BodyLength >= 8 ? BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(p.BodyStart + 6)) : (ushort)0;

    /// <summary>INITIAL-CONTACT (RFC 2407 §4.6.3.3): the peer lost its state; older SAs of the same identity and address go.</summary>
    private void DropOlderSas(IsakmpSa current)
    {
        var old = new List<IsakmpSa>();
        foreach (IsakmpSa sa in _sas.Values)
            if (!ReferenceEquals(sa, current) && sa.State == IsakmpState.Established && sa.Remote.Address.Equals(current.Remote.Address)
                && sa.RemoteId is not null && sa.RemoteId.Equals(current.RemoteId))
                old.Add(sa);
        foreach (IsakmpSa sa in old)
            DeleteSa(sa, "initial contact from the peer", sendDelete: false);
    }
}

internal static class V1LogExtensions
{
    public static void LogInformationV1(this ILogger log, string format, params object[] args)
    {
        if (log.IsEnabled(LogLevel.Information))
            log.Log(LogLevel.Information, "{Message}",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}

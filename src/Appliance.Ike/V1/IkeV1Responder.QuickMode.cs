using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Appliance.Ike.Crypto;
using ProtocolId = Appliance.Ike.Messages.ProtocolId;

namespace Appliance.Ike.V1;

/// <summary>
/// Quick Mode (RFC 2409 §5.5) for one transport-mode ESP SA protecting UDP to our protected port, with optional PFS,
/// RESPONDER-LIFETIME (RFC 2407 §4.6.3.1) and NAT-OA (RFC 3947 §5.2).
/// </summary>
public sealed partial class IkeV1Responder
{
    private const int MaxQuickModesPerSa = 8;

    private void HandleQuickMode(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        if (sa.State != IsakmpState.Established || !header.Encrypted || header.MessageId == 0)
        {
            Counters.Increment(IkeV1Counter.UnexpectedMessage);
            return;
        }
        QuickModeExchange? qm = null;
        foreach (QuickModeExchange q in sa.QuickModes)
            if (q.MessageId == header.MessageId)
                qm = q;
        if (qm is not null)
        {
            if (message.AsSpan().SequenceEqual(qm.Request))
            {
                if (!qm.Completed)
                {
                    Counters.Increment(IkeV1Counter.RetransmitsAnswered);
                    Send(local, remote, qm.Reply);
                }
                return;
            }
            if (!qm.Completed)
                HandleQuickMode3(sa, qm, local, remote, header, message);
            else
                Counters.Increment(IkeV1Counter.UnexpectedMessage);
            return;
        }
        HandleQuickMode1(sa, local, remote, header, message);
    }

    /// <summary>QM1: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] [, NAT-OAi, NAT-OAr]. Answered with QM2.</summary>
    private void HandleQuickMode1(IsakmpSa sa, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        uint mid = header.MessageId;
        byte[] iv = V1KeyDerivation.Phase2Iv(sa.Choice.Hash, sa.Iv, mid, sa.Choice.Cipher.BlockSize);
        byte[]? plain = Decrypt(sa, message, iv, out byte[] lastBlock);
        if (plain is null)
            return;
        ChainError error = PayloadChain.Parse(plain, 0, plain.Length, header.NextPayload, _payloads);
        if (error != ChainError.None)
        {
            Counters.Increment(error == ChainError.UnknownPayload ? IkeV1Counter.UnknownPayload : IkeV1Counter.DecryptionFailed);
            return;
        }
        if (!VerifyHash(sa, plain, _payloads, mid, null))
            return;
        Touch(sa, local, remote);
        IsakmpPayload? saPayload = null, nonce = null, ke = null, idci = null, idcr = null;
        int ids = 0;
        foreach (IsakmpPayload p in _payloads)
        {
            switch (p.Type)
            {
                case PayloadType.Sa: saPayload ??= p; break;
                case PayloadType.Nonce: nonce ??= p; break;
                case PayloadType.KeyExchange: ke ??= p; break;
                case PayloadType.Id:
                    if (ids == 0) idci = p; else if (ids == 1) idcr = p;
                    ids++;
                    break;
                case PayloadType.NatOa:
                case PayloadType.NatOaDraft:
                    if (p.BodyLength == 8 && plain[p.BodyStart] == V1IdType.Ipv4Addr)
                        sa.NatOriginalAddress = new IPAddress(plain.AsSpan(p.BodyStart + 4, 4));
                    break;
            }
        }
        if (saPayload is null || nonce is null || nonce.BodyLength is < 8 or > 256 || (ids != 0 && ids != 2))
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        if (sa.QuickModes.Count >= MaxQuickModesPerSa)
        {
            Counters.Increment(IkeV1Counter.UnexpectedMessage);
            return;
        }
        var proposals = new List<V1Proposal>();
        if (!SaPayload.TryParse(plain.AsSpan(saPayload.BodyStart, saPayload.BodyLength), proposals))
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        // IDs: IDci the client (any UDP port), IDcr us (UDP to the protected port); none at all would mean every protocol.
        if (idci is null || idcr is null
            || !TryQuickModeId(plain.AsSpan(idci.BodyStart, idci.BodyLength), out IPAddress? clientAddress, out byte clientProto, out ushort clientPort)
            || !TryQuickModeId(plain.AsSpan(idcr.BodyStart, idcr.BodyLength), out IPAddress? serverAddress, out byte serverProto, out ushort serverPort)
            || clientProto != (byte)ProtocolType.Udp || serverProto != (byte)ProtocolType.Udp || serverPort != _options.ProtectedPort
            || (!sa.NatRemote && !clientAddress!.Equals(remote.Address.MapToIPv4()))
            || (!sa.NatLocal && !serverAddress!.Equals(local.Address.MapToIPv4())))
        {
            Counters.Increment(IkeV1Counter.InvalidId);
            _rateLimitedLog.Info("qmid", _time.GetUtcNow(), "IKEv1: Quick Mode from {0} refused: only UDP to port {1} of ours is protected", remote, _options.ProtectedPort);
            SendNotify(sa, local, remote, V1Protocol.Esp, [], NotifyType.InvalidIdInformation, []);
            return;
        }
        byte[]? gxi = ke is null ? null : plain.AsSpan(ke.BodyStart, ke.BodyLength).ToArray();
        Phase2Choice? choice = Phase2Proposal.Choose(proposals, sa.NatDetected, ke is not null);
        if (choice is null)
        {
            Counters.Increment(IkeV1Counter.NoProposalChosen);
            _events.Enqueue(new NoProposalChosen(_options.TunnelName, $"IKEv1 Quick Mode from {remote}: no acceptable ESP transform"));
            SendNotify(sa, local, remote, V1Protocol.Esp, [], NotifyType.NoProposalChosen, []);
            return;
        }
        byte[]? gxyQm = null;
        byte[]? gxr = null;
        if (gxi is not null)
        {
            using KeyExchange dh = CreateKeyExchange(choice.PfsGroup);
            if (!dh.TryComputeSharedSecret(gxi, out byte[] secret))
            {
                Counters.Increment(IkeV1Counter.InvalidKeyExchange);
                return;
            }
            gxyQm = secret;
            gxr = dh.PublicValue.ToArray();
        }
        byte[] ni = plain.AsSpan(nonce.BodyStart, nonce.BodyLength).ToArray();
        byte[] nr = RandomBytes(NonceLength);
        uint ourSpi = NewSpi();
        var ourSpiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(ourSpiBytes, ourSpi);

        var rest = new PayloadBuilder()
            .Add(PayloadType.Sa, SaPayload.BuildReply(choice.ProposalNumber, V1Protocol.Esp, ourSpiBytes, choice.TransformBody))
            .Add(PayloadType.Nonce, nr);
        if (gxr is not null)
            rest.Add(PayloadType.KeyExchange, gxr);
        rest.Add(PayloadType.Id, plain.AsSpan(idci.BodyStart, idci.BodyLength).ToArray());
        rest.Add(PayloadType.Id, plain.AsSpan(idcr.BodyStart, idcr.BodyLength).ToArray());
        if (choice.UdpEncapsulated && sa.NatT != NatTVariant.None)
        {
            // RFC 3947 §5.2: the responder sends NAT-OA only when it selected UDP-Encapsulated-Transport.
            byte oaType = sa.NatT == NatTVariant.Rfc3947 ? PayloadType.NatOa : PayloadType.NatOaDraft;
            rest.Add(oaType, NatOaBody(remote.Address));
            if (sa.NatT == NatTVariant.Rfc3947)
                rest.Add(oaType, NatOaBody(local.Address));
        }
        TimeSpan proposed = TimeSpan.FromSeconds(choice.LifeSeconds == 0 ? 28800 : Math.Min(choice.LifeSeconds, 3_153_600_000UL)); // RFC 2407 §4.5 default
        TimeSpan life = proposed;
        if (proposed > _options.MaxPhase2Lifetime)
        {
            life = _options.MaxPhase2Lifetime;
            var data = new List<byte>();
            SaAttributes.WriteBasic(data, P2Attr.LifeType, P1Attr.LifeSeconds);
            SaAttributes.WriteLife(data, P2Attr.LifeDuration, (ulong)life.TotalSeconds);
            rest.Add(PayloadType.Notification, NotifyBody(V1Protocol.Esp, ourSpiBytes, NotifyType.ResponderLifetime, data.ToArray()));
        }
        byte[] chain = WithHash(sa, mid, ni, rest);
        byte[] qmIv = lastBlock;
        byte[] reply = BuildEncrypted(sa, ExchangeType.QuickMode, mid, PayloadType.Hash, chain, ref qmIv);

        int encBytes = choice.KeyBits / 8;
        int keyLength = encBytes + choice.IntegrityKeyBytes;
        byte[] inbound = V1KeyDerivation.Keymat(sa.Choice.Hash, sa.Keys!.SkeyIdD, gxyQm, V1Protocol.Esp, ourSpi, ni, nr, keyLength);
        byte[] outbound = V1KeyDerivation.Keymat(sa.Choice.Hash, sa.Keys.SkeyIdD, gxyQm, V1Protocol.Esp, choice.PeerSpi, ni, nr, keyLength);
        if (gxyQm is not null)
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(gxyQm);
        IPAddress ourAddress = local.Address.MapToIPv4();
        IPAddress peerAddress = remote.Address.MapToIPv4();
        var info = new ChildSaInfo(_options.TunnelName, ourSpi, choice.PeerSpi, IpsecMode.Transport, ProtocolId.Esp, choice.Suite,
            (ushort)EncryptionAlgorithm.AesCbc, choice.KeyBits, choice.IntegrityTransformId,
            new ChildSaKeys(inbound[..encBytes], [], inbound[encBytes..]),
            new ChildSaKeys(outbound[..encBytes], [], outbound[encBytes..]),
            false,
            [new TrafficSelector(ourAddress, ourAddress, (byte)ProtocolType.Udp, _options.ProtectedPort, _options.ProtectedPort)],
            [new TrafficSelector(peerAddress, peerAddress, (byte)ProtocolType.Udp, clientPort == 0 ? (ushort)0 : clientPort,
                clientPort == 0 ? ushort.MaxValue : clientPort)],
            choice.UdpEncapsulated || sa.NatDetected, local, remote);
        var qm = new QuickModeExchange
        {
            MessageId = mid,
            Iv = qmIv,
            Request = message,
            Reply = reply,
            Ni = ni,
            Nr = nr,
            Choice = choice,
            OurSpi = ourSpi,
            StartedAt = _time.GetUtcNow(),
            Info = info,
            Lifetime = life,
        };
        sa.QuickModes.Add(qm);
        Send(local, remote, reply);
    }

    /// <summary>QM3: HDR*, HASH(3). The SA is installed now (RFC 2409 §5.5: after HASH(3) the initiator may send).</summary>
    private void HandleQuickMode3(IsakmpSa sa, QuickModeExchange qm, IPEndPoint local, IPEndPoint remote, IsakmpHeader header, byte[] message)
    {
        byte[]? plain = Decrypt(sa, message, qm.Iv, out _);
        if (plain is null)
            return;
        ChainError error = PayloadChain.Parse(plain, 0, plain.Length, header.NextPayload, _payloads);
        if (error != ChainError.None || _payloads.Count == 0 || _payloads[0].Type != PayloadType.Hash)
        {
            Counters.Increment(IkeV1Counter.DecryptionFailed);
            return;
        }
        IsakmpPayload h = _payloads[0];
        byte[] expected = V1KeyDerivation.QuickModeHash3(sa.Choice.Hash, sa.Keys!.SkeyIdA, qm.MessageId, qm.Ni, qm.Nr);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, plain.AsSpan(h.BodyStart, h.BodyLength)))
        {
            Counters.Increment(IkeV1Counter.HashMismatch);
            return;
        }
        Touch(sa, local, remote);
        qm.Completed = true;
        uint? previous = sa.EspSas.Count > 0 ? sa.EspSas[^1].InboundSpi : null;
        sa.EspSas.Add(new EspSa { InboundSpi = qm.OurSpi, OutboundSpi = qm.Choice.PeerSpi, ExpiresAt = _time.GetUtcNow() + qm.Lifetime });
        _events.Enqueue(new ChildSaEstablished(_options.TunnelName, qm.Info with { LocalEndpoint = sa.Local, RemoteEndpoint = sa.Remote }, previous));
        _log.LogInformationV1("IKEv1: ESP SA {0:x8}/{1:x8} with {2} established ({3}{4})", qm.OurSpi, qm.Choice.PeerSpi, remote,
            qm.Choice.Suite, qm.Info.UdpEncapsulation ? ", UDP-encapsulated" : "");
    }

    /// <summary>RFC 2407 §4.6.2: an IPv4 address (or /32 subnet) with protocol and port.</summary>
    private static bool TryQuickModeId(ReadOnlySpan<byte> body, out IPAddress? address, out byte protocol, out ushort port)
    {
        address = null;
        protocol = 0;
        port = 0;
        if (body.Length < 8)
            return false;
        protocol = body[1];
        port = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        if (body[0] == V1IdType.Ipv4Addr && body.Length == 8)
        {
            address = new IPAddress(body.Slice(4, 4));
            return true;
        }
        if (body[0] == V1IdType.Ipv4AddrSubnet && body.Length == 12 && body.Slice(8, 4).SequenceEqual(new byte[] { 255, 255, 255, 255 }))
        {
            address = new IPAddress(body.Slice(4, 4));
            return true;
        }
        return false;
    }

    private static byte[] NatOaBody(IPAddress address)
    {
        var body = new byte[8];
        body[0] = V1IdType.Ipv4Addr;
        address.MapToIPv4().GetAddressBytes().CopyTo(body, 4);
        return body;
    }

    /// <summary>A random inbound SPI, never below 256 (RFC 4303 §2.1) and not in use by any SA or Quick Mode.</summary>
    private uint NewSpi()
    {
        while (true)
        {
            uint spi = BinaryPrimitives.ReadUInt32BigEndian(RandomBytes(4));
            if (spi < 256)
                continue;
            bool used = false;
            foreach (IsakmpSa sa in _sas.Values)
            {
                foreach (EspSa e in sa.EspSas)
                    used |= e.InboundSpi == spi;
                foreach (QuickModeExchange q in sa.QuickModes)
                    used |= q.OurSpi == spi;
            }
            if (!used)
                return spi;
        }
    }

    /// <summary>An authenticated message: the peer is alive; the float to 4500 or a NAT rebinding moves the SA.</summary>
    private void Touch(IsakmpSa sa, IPEndPoint local, IPEndPoint remote)
    {
        DateTimeOffset now = _time.GetUtcNow();
        sa.LastHeard = now;
        sa.DpdOutstanding = 0;
        sa.NextDpd = now + _options.DpdIdle;
        if (sa.Remote.Equals(remote) && sa.Local.Equals(local))
            return;
        sa.Remote = remote;
        sa.Local = local;
        if (sa.EspSas.Count > 0)
        {
            var spis = new List<uint>();
            foreach (EspSa e in sa.EspSas)
                spis.Add(e.InboundSpi);
            _events.Enqueue(new PeerEndpointChanged(_options.TunnelName, local, remote, spis));
        }
    }
}

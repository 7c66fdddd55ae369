using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKE_SA_INIT (RFC 7296 §1.2) with NAT detection (§2.23), cookies (§2.6) and INVALID_KE_PAYLOAD (§1.2).
public sealed partial class IkeEngine
{
    private const int MaxInitRetries = 3;
    private CookieJar? _cookies;
    private CookieJar Cookies => _cookies ??= new CookieJar(_time, _random, Options.CookieSecretLifetime);

    private void OnTunnelAdded(IkeTunnelConfig config)
    {
        if (config.Start == StartAction.Start)
            InitiateCore(config);
    }

    private void InitiateCore(IkeTunnelConfig config)
    {
        if (config.RemoteAddress is null)
            throw new InvalidOperationException($"tunnel '{config.Name}' has remote address %any and can only respond");
        if (_sas.Values.Any(s => s.Config == config && s.State != IkeSaState.Deleting))
            return;
        List<ProposalSpec> specs = config.IkeProposals.Select(ProposalParser.ParseIke).ToList();
        var local = new IPEndPoint(config.LocalAddress ?? AddressMath.Unspecified(config.RemoteAddress.AddressFamily), Options.IkePort);
        var remote = new IPEndPoint(config.RemoteAddress, Options.IkePort);
        var sa = new IkeSa(true, NewIkeSpi(), local, remote, Now)
        {
            Config = config,
            OfferedIke = specs,
            NonceI = RandomBytes(Options.NonceSize),
        };
        DhGroup group = specs[0].Dh.First(g => g != DhGroup.None);
        try
        {
            sa.KeyExchange = KeyExchange.Create(group, new RandomAdapter(_random));
        }
        catch (CryptographicException ex)
        {
            // A crypto backend failure must not escape to the host: report it as a failed attempt.
            _log.LogError("tunnel '{Tunnel}': cannot create a {Group} key pair: {Error}", config.Name, group, ex.Message);
            Raise(new IkeSaFailed(config.Name, $"cannot create a {group} key pair: {ex.Message}"));
            return;
        }
        _sas.Add(sa.InitiatorSpi, sa);
        _log.LogInformation("initiating IKE SA {SpiI:x16}_i for '{Tunnel}' to {Remote}", sa.InitiatorSpi, config.Name, remote);
        SendInitRequest(sa);
    }

    private void SendInitRequest(IkeSa sa)
    {
        var payloads = new List<IkePayload>();
        if (sa.Cookie is not null)
            payloads.Add(new NotifyPayload(NotifyType.Cookie, sa.Cookie)); // §2.6: the cookie must come first
        payloads.Add(new SaPayload(ProposalNegotiation.ToProposals(sa.OfferedIke, ProtocolId.Ike, [], includeDh: true)));
        payloads.Add(new KePayload((ushort)sa.KeyExchange!.Group, sa.KeyExchange.PublicValue.ToArray()));
        payloads.Add(new NoncePayload(sa.NonceI));
        payloads.AddRange(NatDetectionNotifies(sa.InitiatorSpi, 0, sa.Local, sa.Remote, sa.Config!.ForceUdpEncapsulation));
        if (sa.Config.Certificate is not null)
            payloads.Add(SignatureHashAlgorithms.Notify()); // RFC 7427 §4: lets the responder sign with method 14
        if (Options.Fragmentation)
            payloads.Add(new NotifyPayload(NotifyType.FragmentationSupported)); // RFC 7383 §2.3
        var header = new IkeHeader(sa.InitiatorSpi, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0);
        sa.InitRequest = PayloadCodec.EncodePlain(header, payloads);
        sa.NextRequestId = 1;
        sa.Outstanding = new PendingRequest(0, ExchangeType.IkeSaInit, RequestKind.IkeSaInit, [sa.InitRequest], Now + Options.RetransmitTimeout);
        Send(sa.Local, sa.Remote, sa.InitRequest);
    }

    /// <summary>
    /// NAT_DETECTION_SOURCE_IP and _DESTINATION_IP. To force UDP encapsulation we send a source hash that
    /// cannot match, so the peer sees us "behind a NAT" (what strongSwan's encap=yes does).
    /// </summary>
    private IEnumerable<NotifyPayload> NatDetectionNotifies(ulong spiI, ulong spiR, IPEndPoint local, IPEndPoint remote, bool forceEncap)
    {
        byte[] source = forceEncap ? RandomBytes(20) : NatDetection.Hash(spiI, spiR, local);
        yield return new NotifyPayload(NotifyType.NatDetectionSourceIp, source);
        yield return new NotifyPayload(NotifyType.NatDetectionDestinationIp, NatDetection.Hash(spiI, spiR, remote));
    }

    /// <summary>Evaluates the peer's NATD notifies; returns false when the peer sent none (no NAT-T).</summary>
    private static void DetectNat(IkeSa sa, IReadOnlyList<IkePayload> payloads, ulong spiI, ulong spiR, IPEndPoint local, IPEndPoint remote)
    {
        var sources = payloads.OfType<NotifyPayload>().Where(n => n.NotifyType == NotifyType.NatDetectionSourceIp).ToList();
        NotifyPayload? destination = FindNotify(payloads, NotifyType.NatDetectionDestinationIp);
        if (sources.Count == 0 || destination is null)
            return;
        // The peer may list one source hash per local address; any match means "not translated".
        sa.RemoteBehindNat = !sources.Any(s => NatDetection.Matches(s.Data, spiI, spiR, remote));
        sa.LocalBehindNat = !NatDetection.Matches(destination.Data, spiI, spiR, local);
    }

    private void HandleInitRequest(IPEndPoint local, IPEndPoint remote, DecodedMessage message)
    {
        IkeHeader h = message.Header;
        if (h.ResponderSpi != 0 || !h.IsFromInitiator)
        {
            Counters.Increment(IkeCounter.UnknownSpi);
            return;
        }
        if (message.Raw.Length > Options.MaxInitRequestSize)
        {
            Counters.Increment(IkeCounter.Oversized);
            return;
        }
        IkeSa? existing = _sas.Values.FirstOrDefault(s => !s.IsInitiator && s.InitiatorSpi == h.InitiatorSpi && s.Remote.Address.Equals(remote.Address));
        if (existing is not null)
        {
            // A retransmitted request gets the same answer; anything else with that SPI is dropped.
            if (existing.State == IkeSaState.Connecting && existing.InitRequest.AsSpan().SequenceEqual(message.Raw))
            {
                Counters.Increment(IkeCounter.CachedResponsesSent);
                Send(local, remote, existing.InitResponse);
            }
            else
            {
                Counters.Increment(IkeCounter.InvalidMessageId);
            }
            return;
        }
        IReadOnlyList<IkePayload> p = message.Payloads;
        SaPayload? saPayload = Find<SaPayload>(p);
        KePayload? ke = Find<KePayload>(p);
        NoncePayload? nonce = Find<NoncePayload>(p);
        if (saPayload is null || ke is null || nonce is null)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.InvalidSyntax));
            return;
        }
        List<IkeTunnelConfig> candidates = _tunnels.Values.Where(c =>
            (c.RemoteAddress is null || c.RemoteAddress.Equals(remote.Address)) &&
            (c.LocalAddress is null || c.LocalAddress.Equals(local.Address))).ToList();
        if (candidates.Count == 0)
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            // Anyone can send this from any (spoofed) address: one line per interval with a count, never one per packet.
            _rateLimitedLog.Info("no-tunnel", Now, "IKE_SA_INIT from {0}: no tunnel configured for this peer", remote);
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.NoProposalChosen));
            return;
        }
        if (!CookieAccepted(local, remote, h, p, nonce))
            return;
        (Proposal Peer, TransformSet Selected, IkeTunnelConfig Config)? choice = null;
        foreach (IkeTunnelConfig c in candidates)
        {
            if (ProposalNegotiation.Select(saPayload.Proposals, c.IkeProposals.Select(ProposalParser.ParseIke).ToList(), ProtocolId.Ike, useDh: true) is { } sel)
            {
                choice = (sel.Peer, sel.Selected, c);
                break;
            }
        }
        if (choice is null)
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            // Unauthenticated, so possibly spoofed: the event (an error line and a health change) at most once per interval.
            if (_rateLimitedLog.Info("init-no-proposal:" + candidates[0].Name, Now, "IKE_SA_INIT from {0}: no acceptable proposal", remote))
                Raise(new NoProposalChosen(candidates[0].Name, "no IKE proposal of the peer is acceptable"));
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.NoProposalChosen));
            return;
        }
        (Proposal peer, TransformSet selected, IkeTunnelConfig config) = choice.Value;
        if (ke.DhGroup != (ushort)selected.Dh)
        {
            Counters.Increment(IkeCounter.InvalidKePayload);
            var group = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(group, (ushort)selected.Dh);
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.InvalidKePayload, group));
            return;
        }
        RespondToInit(local, remote, message, candidates, config, peer, selected, ke, nonce);
    }

    private int HalfOpenCount() => _sas.Values.Count(s => !s.IsInitiator && s.State == IkeSaState.Connecting);

    /// <summary>RFC 7296 §2.6: past the half-open threshold, only requests with a valid cookie create state.</summary>
    private bool CookieAccepted(IPEndPoint local, IPEndPoint remote, IkeHeader h, IReadOnlyList<IkePayload> p, NoncePayload nonce)
    {
        // One source may not hold more than its share, whatever the cookie says (strongSwan's block_threshold).
        int fromSource = 0;
        foreach (var sa in _sas.Values)
            if (!sa.IsInitiator && sa.State == IkeSaState.Connecting && sa.Remote.Address.Equals(remote.Address)) fromSource++;
        if (fromSource >= Options.HalfOpenPerSource)
        {
            Counters.Increment(IkeCounter.HalfOpenPerSourceReached);
            _rateLimitedLog.Warn("half-open-per-source", Now,
                "IKE_SA_INIT dropped: {0} half-open IKE SAs from " + remote.Address + " (the limit per source)", fromSource);
            return false;
        }
        int halfOpen = HalfOpenCount();
        if (halfOpen < Options.CookieThreshold)
            return true;
        NotifyPayload? cookie = FindNotify(p, NotifyType.Cookie);
        if (cookie is not null && Cookies.Verify(cookie.Data, nonce.Data, remote.Address, h.InitiatorSpi))
        {
            if (halfOpen < Options.HalfOpenLimit)
                return true;
            // The peer returned our cookie, so its address is real, but we hold all the half-open state we will:
            // silence (as strongSwan's init_limit_half_open), so it retransmits and gets in once some complete or expire.
            Counters.Increment(IkeCounter.HalfOpenLimitReached);
            _rateLimitedLog.Warn("half-open-limit", Now,
                "IKE_SA_INIT dropped: {0} half-open IKE SAs (the limit); last from " + remote.Address, halfOpen);
            return false;
        }
        Counters.Increment(cookie is null ? IkeCounter.CookiesSent : IkeCounter.CookiesRejected);
        SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.Cookie, Cookies.Create(nonce.Data, remote.Address, h.InitiatorSpi)));
        return false;
    }

    private void RespondToInit(IPEndPoint local, IPEndPoint remote, DecodedMessage message, List<IkeTunnelConfig> candidates,
        IkeTunnelConfig config, Proposal peer, TransformSet selected, KePayload ke, NoncePayload nonce)
    {
        IkeHeader h = message.Header;
        var kex = KeyExchange.Create(selected.Dh, new RandomAdapter(_random));
        if (!kex.TryComputeSharedSecret(ke.Data, out byte[] shared))
        {
            kex.Dispose();
            Counters.Increment(IkeCounter.InvalidKePayload);
            SendStatelessInitReply(local, remote, h, new NotifyPayload(NotifyType.InvalidSyntax));
            return;
        }
        var sa = new IkeSa(false, h.InitiatorSpi, local, remote, Now)
        {
            ResponderSpi = NewIkeSpi(),
            KeyExchange = kex,
            NonceI = nonce.Data,
            NonceR = RandomBytes(Options.NonceSize),
            InitRequest = message.Raw,
        };
        sa.Candidates.AddRange(candidates);
        DetectNat(sa, message.Payloads, h.InitiatorSpi, 0, local, remote);
        bool peerDoesNatT = FindNotify(message.Payloads, NotifyType.NatDetectionSourceIp) is not null;
        if (config.ForceUdpEncapsulation && peerDoesNatT)
            sa.LocalBehindNat = true;

        var payloads = new List<IkePayload>
        {
            new SaPayload([ProposalNegotiation.Reply(peer.Number, ProtocolId.Ike, [], selected, includeDh: true)]),
            new KePayload((ushort)kex.Group, kex.PublicValue.ToArray()),
            new NoncePayload(sa.NonceR),
        };
        if (peerDoesNatT)
            payloads.AddRange(NatDetectionNotifies(sa.InitiatorSpi, sa.ResponderSpi, local, remote, config.ForceUdpEncapsulation));
        AddCertificateHints(sa, candidates, message.Payloads, payloads);
        if (Options.Fragmentation && FindNotify(message.Payloads, NotifyType.FragmentationSupported) is not null)
        {
            // RFC 7383 §2.3: the responder announces support only to an initiator that did.
            payloads.Add(new NotifyPayload(NotifyType.FragmentationSupported));
            sa.Fragmentation = true;
        }
        var header = new IkeHeader(sa.InitiatorSpi, sa.ResponderSpi, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Response, 0, 0);
        sa.InitResponse = PayloadCodec.EncodePlain(header, payloads);
        EstablishKeys(sa, selected, shared);
        sa.NextPeerRequestId = 1;
        _sas.Add(sa.ResponderSpi, sa);
        Send(local, remote, sa.InitResponse);
    }

    private void HandleInitResponse(IPEndPoint local, IPEndPoint remote, DecodedMessage message)
    {
        IkeHeader h = message.Header;
        if (!_sas.TryGetValue(h.InitiatorSpi, out IkeSa? sa) || !sa.IsInitiator || h.IsFromInitiator
            || sa.Outstanding?.Kind != RequestKind.IkeSaInit)
        {
            Counters.Increment(IkeCounter.UnknownSpi);
            return;
        }
        IReadOnlyList<IkePayload> p = message.Payloads;
        if (FindNotify(p, NotifyType.Cookie) is { } cookie && Find<SaPayload>(p) is null)
        {
            RetryInit(sa, () => sa.Cookie = cookie.Data, "cookie");
            return;
        }
        if (FindNotify(p, NotifyType.InvalidKePayload) is { } invalidKe)
        {
            HandleInvalidKe(sa, invalidKe);
            return;
        }
        if (FirstError(p) is { } error)
        {
            FailInit(sa, error.NotifyType);
            return;
        }
        SaPayload? saPayload = Find<SaPayload>(p);
        KePayload? ke = Find<KePayload>(p);
        NoncePayload? nonce = Find<NoncePayload>(p);
        if (saPayload is null || ke is null || nonce is null || h.ResponderSpi == 0)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            FailInit(sa, NotifyType.InvalidSyntax);
            return;
        }
        TransformSet? suite = ProposalNegotiation.AcceptReply(saPayload, sa.OfferedIke, ProtocolId.Ike, useDh: true);
        if (suite is null || suite.Dh != sa.KeyExchange!.Group || ke.DhGroup != (ushort)suite.Dh)
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            FailInit(sa, NotifyType.NoProposalChosen, "the responder chose transforms we did not offer");
            return;
        }
        if (!sa.KeyExchange.TryComputeSharedSecret(ke.Data, out byte[] shared))
        {
            Counters.Increment(IkeCounter.InvalidKePayload);
            FailInit(sa, NotifyType.InvalidSyntax, "the responder's KE payload is not a valid public value");
            return;
        }
        sa.Outstanding = null;
        sa.ResponderSpi = h.ResponderSpi;
        sa.NonceR = nonce.Data;
        sa.InitResponse = message.Raw;
        sa.PeerSignatureHashes = SignatureHashAlgorithms.Read(p);
        sa.Fragmentation = Options.Fragmentation && FindNotify(p, NotifyType.FragmentationSupported) is not null;
        DetectNat(sa, p, sa.InitiatorSpi, sa.ResponderSpi, local, remote);
        bool peerDoesNatT = FindNotify(p, NotifyType.NatDetectionSourceIp) is not null;
        if (sa.Config!.ForceUdpEncapsulation && peerDoesNatT)
            sa.LocalBehindNat = true;
        EstablishKeys(sa, suite, shared);
        sa.Local = local;
        if (sa.NatDetected)
        {
            // RFC 7296 §2.23: once a NAT is detected the initiator moves to port 4500 for IKE_AUTH.
            sa.Local = new IPEndPoint(local.Address, Options.NatTPort);
            sa.Remote = new IPEndPoint(remote.Address, Options.NatTPort);
        }
        SendAuthRequest(sa);
    }

    private void HandleInvalidKe(IkeSa sa, NotifyPayload notify)
    {
        if (notify.Data.Length != 2)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            FailInit(sa, NotifyType.InvalidSyntax, "INVALID_KE_PAYLOAD without a group");
            return;
        }
        var wanted = (DhGroup)BinaryPrimitives.ReadUInt16BigEndian(notify.Data);
        Counters.Increment(IkeCounter.InvalidKePayload);
        if (wanted == sa.KeyExchange!.Group || !sa.OfferedIke.Any(s => s.Dh.Contains(wanted)))
        {
            FailInit(sa, NotifyType.InvalidKePayload, $"responder wants DH group {wanted}, which we did not offer");
            return;
        }
        RetryInit(sa, () =>
        {
            sa.KeyExchange.Dispose();
            sa.KeyExchange = KeyExchange.Create(wanted, new RandomAdapter(_random));
        }, $"INVALID_KE_PAYLOAD, retrying with {wanted}");
    }

    private void RetryInit(IkeSa sa, Action change, string why)
    {
        if (++sa.InvalidKeRetries > MaxInitRetries)
        {
            FailInit(sa, NotifyType.TemporaryFailure, $"too many IKE_SA_INIT retries ({why})");
            return;
        }
        _log.LogInformation("IKE SA {SpiI:x16}_i: {Why}", sa.InitiatorSpi, why);
        change();
        SendInitRequest(sa);
    }

    private void FailInit(IkeSa sa, NotifyType reason, string? detail = null)
    {
        string text = detail ?? $"responder answered IKE_SA_INIT with {reason}";
        if (reason == NotifyType.NoProposalChosen)
        {
            if (detail is null) Counters.Increment(IkeCounter.NoProposalChosen);
            Raise(new NoProposalChosen(sa.TunnelName, text));
        }
        else
        {
            Raise(new IkeSaFailed(sa.TunnelName, text));
        }
        RemoveSa(sa, text);
    }

    /// <summary>SKEYSEED and the seven IKE SA keys (RFC 7296 §2.14), and the SK protection in both directions.</summary>
    private void EstablishKeys(IkeSa sa, TransformSet suite, byte[] shared)
    {
        var prf = new Prf(suite.Prf!.Value);
        byte[] skeyseed = KeyDerivation.Skeyseed(prf, sa.NonceI, sa.NonceR, shared);
        CryptographicOperations.ZeroMemory(shared);
        sa.KeyExchange?.Dispose();
        sa.KeyExchange = null;
        DeriveFromSkeyseed(sa, suite, skeyseed);
    }

    /// <summary>{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (§2.14, §2.18).</summary>
    private static void DeriveFromSkeyseed(IkeSa sa, TransformSet suite, byte[] skeyseed)
    {
        var prf = new Prf(suite.Prf!.Value);
        int encrBytes = SuiteSizes.EncryptionKeyBytes(suite.Encryption, suite.EncryptionKeyBits);
        int integBytes = SuiteSizes.IntegrityKeyBytes(suite.Integrity);
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, sa.NonceI, sa.NonceR, sa.InitiatorSpi, sa.ResponderSpi, encrBytes, integBytes);
        CryptographicOperations.ZeroMemory(skeyseed);
        sa.Suite = suite;
        sa.SuiteName = ProposalParser.Format(suite);
        sa.Prf = prf;
        sa.Keys = keys;
        var i2r = SkProtection.Create(suite.Encryption, suite.EncryptionKeyBits, suite.Integrity, keys.SkEi, keys.SkAi);
        var r2i = SkProtection.Create(suite.Encryption, suite.EncryptionKeyBits, suite.Integrity, keys.SkEr, keys.SkAr);
        (sa.Outbound, sa.Inbound) = sa.IsInitiator ? (i2r, r2i) : (r2i, i2r);
    }
}

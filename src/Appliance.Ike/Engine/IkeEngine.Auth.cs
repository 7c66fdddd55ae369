using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKE_AUTH with pre-shared keys or certificates (RFC 7296 §1.2, §2.15) carrying the first Child SA.
public sealed partial class IkeEngine
{
    private void SendAuthRequest(IkeSa sa)
    {
        IkeTunnelConfig config = sa.Config!;
        var idi = new IdPayload(false, config.LocalId);
        AuthPayload? auth = null;
        if (config.EapClient is null && (auth = OurAuth(sa, config, sa.InitRequest, sa.NonceR, sa.Keys!.SkPi, idi)) is null)
        {
            Raise(new IkeSaFailed(config.Name, "cannot sign AUTH with the configured private key"));
            RemoveSa(sa, "cannot sign AUTH");
            return;
        }
        sa.PendingChildSpi = NewChildSpi();
        sa.OfferedChild = config.ParseChildProposals();
        // A client asking for a virtual IP cannot know it yet: TSi is any address, the responder narrows it (§2.19).
        sa.ProposedTsi = config.EapClient is { } client ? AnyAddress(client.RequestIp4, client.RequestIp6).ToList() : config.LocalTs.ToList();
        sa.ProposedTsr = config.RemoteTs.ToList();
        sa.EapIdi = config.EapClient is null ? null : idi;
        // RFC 7296 §1.2 order: IDi, [CERT,] [CERTREQ,] [IDr,] [AUTH,] [CP,] SAi2, TSi, TSr; no AUTH with EAP (§2.16).
        var payloads = new List<IkePayload> { idi };
        payloads.AddRange(OurCertificates(config));
        if (config.Certificate is { } credential)
            payloads.Add(CertificatePayloads.Request(credential.TrustAnchors));
        payloads.Add(new NotifyPayload(NotifyType.InitialContact));
        if (!config.RemoteId.IsAny)
            payloads.Add(new IdPayload(true, config.RemoteId));
        if (auth is not null)
            payloads.Add(auth);
        if (config.EapClient is { } eap)
            payloads.Add(ConfigurationAttributes.Request(eap.RequestIp4, eap.RequestIp6));
        else if (config.RequestDns && !_configurationRefused.Contains(config.Name))
            payloads.Add(ConfigurationAttributes.SiteDnsRequest());
        if (config.Mode == IpsecMode.Transport)
            payloads.Add(new NotifyPayload(NotifyType.UseTransportMode));
        payloads.Add(new SaPayload(ProposalNegotiation.ToProposals(sa.OfferedChild, config.ChildProtocol, SpiBytes(sa.PendingChildSpi), includeDh: false)));
        payloads.Add(new TsPayload(false, sa.ProposedTsi));
        payloads.Add(new TsPayload(true, sa.ProposedTsr));
        SendRequest(sa, ExchangeType.IkeAuth, RequestKind.IkeAuth, payloads);
    }

    private static byte[] SpiBytes(uint spi)
    {
        var b = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, spi);
        return b;
    }

    private void HandleAuthRequest(IkeSa sa, IkeHeader h, List<IkePayload> p)
    {
        if (sa.IsInitiator || sa.State != IkeSaState.Connecting)
        {
            Counters.Increment(IkeCounter.UnexpectedExchange);
            return;
        }
        if (sa.EapServer is not null)
        {
            HandleEapRequest(sa, h, p);
            return;
        }
        IdPayload? idi = FindId(p, responder: false);
        IdPayload? idr = FindId(p, responder: true);
        AuthPayload? auth = Find<AuthPayload>(p);
        if (auth is null && idi is not null && TryStartEap(sa, h, p, idi, idr))
            return;
        IkeTunnelConfig? config = idi is null ? null : sa.Candidates.FirstOrDefault(c =>
            c.RemoteId.Matches(idi.Identity) && (idr is null || idr.Identity.Equals(c.LocalId)));
        string? failure = idi is null ? "no IDi" : auth is null ? "no AUTH, and no remote-access tunnel accepts this identity for EAP"
            : config is null ? $"no tunnel accepts identity '{idi.Identity}'"
            : VerifyPeerAuth(sa, config, p, auth, idi, sa.InitRequest, sa.NonceR, sa.Keys!.SkPi);
        if (failure is not null)
        {
            Counters.Increment(IkeCounter.AuthenticationFailed);
            if (config is not null) sa.Config = config;
            _log.LogWarning("IKE SA {SpiR:x16}_r: authentication failed: {Reason}", sa.ResponderSpi, failure);
            SendResponse(sa, h, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Raise(new AuthenticationFailed(sa.TunnelName, failure));
            RemoveSa(sa, "authentication failed");
            return;
        }
        sa.Config = config!;
        sa.RemoteId = idi!.Identity;
        if (FindNotify(p, NotifyType.InitialContact) is not null)
            DropOlderSas(sa);
        var idrOut = new IdPayload(true, config!.LocalId);
        if (OurAuth(sa, config, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr, idrOut) is not { } ourAuth)
        {
            SendResponse(sa, h, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Raise(new IkeSaFailed(config.Name, "cannot sign AUTH with the configured private key"));
            RemoveSa(sa, "cannot sign AUTH");
            return;
        }
        // RFC 7296 §1.2 order: IDr, [CERT,] AUTH, SAr2, TSi, TSr.
        var response = new List<IkePayload> { idrOut };
        response.AddRange(OurCertificates(config));
        response.Add(ourAuth);
        ChildSa? child = CreateChildAsResponder(sa, config, p, response);
        MarkEstablished(sa);
        SendResponse(sa, h, response);
        RaiseEstablished(sa);
        if (child is not null)
        {
            sa.Children.Add(child);
            Raise(new ChildSaEstablished(sa.TunnelName, child.Info));
        }
        ResolveDuplicate(sa);
    }

    /// <summary>
    /// INITIAL_CONTACT (RFC 7296 §2.4): the peer has no other SAs with us, so ours are stale. Only SAs that were
    /// up before this exchange began count: one that came up meanwhile is the peer's own simultaneous attempt.
    /// </summary>
    private void DropOlderSas(IkeSa current)
    {
        // A remote-access tunnel serves many clients: only the same user's older SAs are stale.
        foreach (IkeSa old in _sas.Values.Where(s => s != current && s.Config == current.Config && s.State == IkeSaState.Established
                     && s.EstablishedAt < current.CreatedAt
                     && (current.Lease is null || string.Equals(s.Lease?.User, current.Lease.User, StringComparison.OrdinalIgnoreCase))).ToList())
            RemoveSa(old, "replaced (peer sent INITIAL_CONTACT)");
    }

    /// <summary>
    /// Both ends initiated at once and now share two IKE SAs for one tunnel. Like simultaneous rekeying
    /// (RFC 7296 §2.8.1) the one created with the lowest nonce is redundant; its initiator deletes it, so both
    /// ends agree without talking about it.
    /// </summary>
    private void ResolveDuplicate(IkeSa sa)
    {
        if (sa.Config?.RemoteAccess is not null)
            return; // many clients share a remote-access tunnel: their IKE SAs are no duplicates

        IkeSa? other = _sas.Values.FirstOrDefault(s => s != sa && s.Config == sa.Config && s.State == IkeSaState.Established);
        if (other is null)
            return;
        static byte[] Lowest(IkeSa s) => s.NonceI.AsSpan().SequenceCompareTo(s.NonceR) <= 0 ? s.NonceI : s.NonceR;
        IkeSa redundant = Lowest(sa).AsSpan().SequenceCompareTo(Lowest(other)) < 0 ? sa : other;
        redundant.Replaced = true;
        if (!redundant.IsInitiator)
            return;
        _log.LogInformation("IKE SA {Spi:x16} of '{Tunnel}' duplicates another after simultaneous initiation; deleting it",
            redundant.LocalSpi, redundant.TunnelName);
        if (redundant.Outstanding is null) SendDeleteIkeSa(redundant);
        else redundant.DeleteQueued = true;
    }

    /// <summary>
    /// Picks the ESP proposal and narrows the selectors for the Child SA requested in IKE_AUTH; on
    /// failure adds the error notify (the IKE SA still comes up, RFC 7296 §2.21.2).
    /// </summary>
    /// <param name="remoteTs">What TSi may be narrowed to: a remote-access client's virtual IPs; default the tunnel's RemoteTs.</param>
    private ChildSa? CreateChildAsResponder(IkeSa sa, IkeTunnelConfig config, List<IkePayload> request, List<IkePayload> response,
        IReadOnlyList<TrafficSelector>? remoteTs = null)
    {
        SaPayload? saPayload = Find<SaPayload>(request);
        TsPayload? tsi = FindTs(request, responder: false);
        TsPayload? tsr = FindTs(request, responder: true);
        if (saPayload is null || tsi is null || tsr is null)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            response.Add(new NotifyPayload(NotifyType.InvalidSyntax));
            return null;
        }
        ProtocolId protocol = config.ChildProtocol;
        var choice = ProposalNegotiation.Select(saPayload.Proposals, config.ParseChildProposals(), protocol, useDh: false);
        if (choice is not { Peer.Spi.Length: 4 } || AhAcrossNat(sa, protocol))
        {
            Counters.Increment(IkeCounter.NoProposalChosen);
            response.Add(new NotifyPayload(NotifyType.NoProposalChosen));
            Raise(new NoProposalChosen(config.Name, AhAcrossNat(sa, protocol)
                ? "AH cannot cross the NAT detected between us (RFC 4302 protects the outer addresses)"
                : $"no {protocol.ToString().ToUpperInvariant()} proposal of the peer is acceptable"));
            return null;
        }
        List<TrafficSelector> narrowedI = TsNarrowing.Narrow(tsi.Selectors, remoteTs ?? config.RemoteTs);
        List<TrafficSelector> narrowedR = TsNarrowing.Narrow(tsr.Selectors, config.LocalTs);
        if (narrowedI.Count == 0 || narrowedR.Count == 0)
        {
            Counters.Increment(IkeCounter.TsUnacceptable);
            response.Add(new NotifyPayload(NotifyType.TsUnacceptable));
            Raise(new TrafficSelectorsUnacceptable(config.Name,
                $"peer's TSi {string.Join(' ', tsi.Selectors)} / TSr {string.Join(' ', tsr.Selectors)} do not overlap ours"));
            return null;
        }
        (Proposal peer, TransformSet suite) = choice.Value;
        bool transport = config.Mode == IpsecMode.Transport && FindNotify(request, NotifyType.UseTransportMode) is not null;
        uint inbound = NewChildSpi();
        uint outbound = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(peer.Spi);
        response.Add(new SaPayload([ProposalNegotiation.Reply(peer.Number, protocol, SpiBytes(inbound), suite, includeDh: false)]));
        response.Add(new TsPayload(false, narrowedI));
        response.Add(new TsPayload(true, narrowedR));
        if (transport)
            response.Add(new NotifyPayload(NotifyType.UseTransportMode));
        return BuildChild(sa, protocol, suite, inbound, outbound, transport, localTs: narrowedR, remoteTs: narrowedI);
    }

    /// <summary>
    /// AH authenticates the outer IP addresses (RFC 4302 §3.3.3.1), which a NAT rewrites, and RFC 3948 encapsulates
    /// ESP only: an AH Child SA cannot work once NAT was detected (strongSwan refuses it too).
    /// </summary>
    private static bool AhAcrossNat(IkeSa sa, ProtocolId protocol) => protocol == ProtocolId.Ah && sa.NatDetected;

    private ChildSa BuildChild(IkeSa sa, ProtocolId protocol, TransformSet suite, uint inbound, uint outbound, bool transport,
        List<TrafficSelector> localTs, List<TrafficSelector> remoteTs) =>
        BuildChild(sa, protocol, suite, inbound, outbound, transport, localTs, remoteTs, [], sa.NonceI, sa.NonceR, sa.IsInitiator);

    /// <summary>
    /// KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr) (RFC 7296 §2.17), where Ni/Nr and the key order
    /// "initiator to responder" refer to the exchange that creates the Child SA.
    /// </summary>
    private ChildSa BuildChild(IkeSa sa, ProtocolId protocol, TransformSet suite, uint inbound, uint outbound, bool transport,
        List<TrafficSelector> localTs, List<TrafficSelector> remoteTs, ReadOnlySpan<byte> sharedSecret,
        ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, bool weInitiatedExchange)
    {
        (ChildSaKeys i2r, ChildSaKeys r2i) = ChildSaKeyMaterial.Derive(sa.Prf!, sa.Keys!.SkD, sharedSecret, ni, nr, suite);
        (ChildSaKeys inKeys, ChildSaKeys outKeys) = weInitiatedExchange ? (r2i, i2r) : (i2r, r2i);
        var info = new ChildSaInfo(sa.TunnelName, inbound, outbound, transport ? IpsecMode.Transport : IpsecMode.Tunnel,
            protocol, ProposalParser.Format(suite), (ushort)suite.Encryption,
            SuiteSizes.EncryptionKeyBits(suite.Encryption, suite.EncryptionKeyBits), (ushort)suite.Integrity,
            inKeys, outKeys, suite.Esn.Count > 0 && suite.Esn[0] == EsnMode.Esn, localTs, remoteTs,
            sa.NatDetected, sa.Local, sa.Remote);
        return new ChildSa(info, Now, ni.ToArray(), nr.ToArray())
        {
            RekeyAt = NextRekeyTime(ChildRekeyTime(sa.Config)),
            ExpireAt = ChildLifeTime(sa.Config) is { } life ? Now + life : null,
        };
    }

    private void HandleAuthResponse(IkeSa sa, List<IkePayload> p)
    {
        IkeTunnelConfig config = sa.Config!;
        if (config.EapClient is not null)
        {
            HandleEapClientResponse(sa, p);
            return;
        }
        IdPayload? idr = FindId(p, responder: true);
        AuthPayload? auth = Find<AuthPayload>(p);
        if (idr is null || auth is null)
        {
            NotifyType error = FirstError(p)?.NotifyType ?? NotifyType.InvalidSyntax;
            if (error == NotifyType.AuthenticationFailed)
            {
                Counters.Increment(IkeCounter.AuthenticationFailed);
                Raise(new AuthenticationFailed(config.Name, config.Certificate is null
                    ? "peer answered AUTHENTICATION_FAILED (pre-shared key or identity mismatch?)"
                    : "peer answered AUTHENTICATION_FAILED (certificate not trusted by the peer, or identity mismatch?)"));
            }
            else
            {
                if (error == NotifyType.InvalidSyntax) Counters.Increment(IkeCounter.InvalidSyntax);
                Raise(new IkeSaFailed(config.Name, $"peer answered IKE_AUTH with {error}"));
            }
            RemoveSa(sa, $"IKE_AUTH failed: {error}");
            return;
        }
        string? failure = !config.RemoteId.Matches(idr.Identity) ? $"peer identity '{idr.Identity}' is not the expected '{config.RemoteId}'"
            : VerifyPeerAuth(sa, config, p, auth, idr, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr);
        if (failure is not null)
        {
            Counters.Increment(IkeCounter.AuthenticationFailed);
            Raise(new AuthenticationFailed(config.Name, failure));
            // RFC 7296 §2.21.2: tell the peer in a separate INFORMATIONAL; we do not wait for its answer.
            SendRequest(sa, ExchangeType.Informational, RequestKind.Notify, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            RemoveSa(sa, "authentication of the responder failed");
            return;
        }
        sa.RemoteId = idr.Identity;
        MarkEstablished(sa);
        RaiseEstablished(sa);
        if (config.RequestDns && !_configurationRefused.Contains(config.Name)) p = TakeSiteConfiguration(sa, config, p);
        ChildSa? child = AcceptChildAsInitiator(sa, p);
        if (child is not null)
        {
            sa.Children.Add(child);
            Raise(new ChildSaEstablished(sa.TunnelName, child.Info));
        }
        sa.PendingChildSpi = 0;
        if (sa.State == IkeSaState.Established)
            ResolveDuplicate(sa);
    }

    /// <summary>
    /// HQ's answer to a site tunnel's CFG_REQUEST: the DNS servers and domains it gave (none is not an error). A peer
    /// without an address pool answers INTERNAL_ADDRESS_FAILURE (strongSwan does); that concerns the configuration
    /// request only, so it is reported and taken out before the Child SA is looked at.
    /// </summary>
    private List<IkePayload> TakeSiteConfiguration(IkeSa sa, IkeTunnelConfig config, List<IkePayload> p)
    {
        if (!TakeConfigurationReply(sa, config, p))
        {
            bool refused = p.OfType<NotifyPayload>().Any(n => n.NotifyType == NotifyType.InternalAddressFailure);
            // strongSwan then builds no Child SA either ("configuration payload negotiation failed"): the next attempt
            // goes without the request, so the tunnel itself does not depend on HQ having a pool.
            if (refused) _configurationRefused.Add(config.Name);
            string why = refused
                ? "peer answered INTERNAL_ADDRESS_FAILURE (no address pool for this connection at HQ?); the tunnel is set up again without asking"
                : "peer sent no configuration payload";
            Raise(new VirtualAddressesAssigned(config.Name, new VirtualAddressAssignment([], [], [])) { Missing = why });
        }
        return p.Where(n => n is not NotifyPayload { NotifyType: NotifyType.InternalAddressFailure }).ToList();
    }

    /// <summary>The responder's CFG_REPLY, if any: kept on the SA and announced to the host.</summary>
    private bool TakeConfigurationReply(IkeSa sa, IkeTunnelConfig config, List<IkePayload> p)
    {
        if (p.OfType<ConfigurationPayload>().FirstOrDefault(c => c.CfgType == (byte)CfgType.Reply) is not { } reply) return false;
        sa.Assigned = ConfigurationAttributes.ReadReply(reply);
        Raise(new VirtualAddressesAssigned(config.Name, sa.Assigned));
        return true;
    }

    private ChildSa? AcceptChildAsInitiator(IkeSa sa, List<IkePayload> p)
    {
        string name = sa.TunnelName;
        if (FirstError(p) is { } error)
        {
            if (error.NotifyType == NotifyType.NoProposalChosen)
            {
                Counters.Increment(IkeCounter.NoProposalChosen);
                Raise(new NoProposalChosen(name, $"peer accepted none of our {sa.Config!.ChildProtocol.ToString().ToUpperInvariant()} proposals"));
            }
            else if (error.NotifyType == NotifyType.TsUnacceptable)
            {
                Counters.Increment(IkeCounter.TsUnacceptable);
                Raise(new TrafficSelectorsUnacceptable(name, "peer refused our traffic selectors"));
            }
            else
            {
                Raise(new IkeSaFailed(name, $"Child SA refused with {error.NotifyType}"));
            }
            return null;
        }
        SaPayload? saPayload = Find<SaPayload>(p);
        TsPayload? tsi = FindTs(p, responder: false);
        TsPayload? tsr = FindTs(p, responder: true);
        ProtocolId protocol = sa.Config!.ChildProtocol;
        TransformSet? suite = saPayload is null ? null : ProposalNegotiation.AcceptReply(saPayload, sa.OfferedChild, protocol, useDh: false);
        string? failure = saPayload is null || tsi is null || tsr is null ? "IKE_AUTH response lacks SA or TS payloads"
            : suite is null || saPayload.Proposals[0].Spi.Length != 4 ? $"peer chose {protocol.ToString().ToUpperInvariant()} transforms we did not offer"
            : AhAcrossNat(sa, protocol) ? "peer accepted AH across a NAT (RFC 4302 protects the outer addresses)"
            : !TsNarrowing.IsNarrowingOf(tsi.Selectors, sa.ProposedTsi) || !TsNarrowing.IsNarrowingOf(tsr.Selectors, sa.ProposedTsr)
                ? "peer widened our traffic selectors"
            : null;
        if (failure is not null)
        {
            Counters.Increment(IkeCounter.InvalidSyntax);
            Raise(new IkeSaFailed(name, failure));
            SendDeleteIkeSa(sa);
            return null;
        }
        bool transport = sa.Config!.Mode == IpsecMode.Transport && FindNotify(p, NotifyType.UseTransportMode) is not null;
        uint outbound = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(saPayload!.Proposals[0].Spi);
        return BuildChild(sa, protocol, suite!, sa.PendingChildSpi, outbound, transport, localTs: tsi!.Selectors.ToList(), remoteTs: tsr!.Selectors.ToList());
    }

    private void MarkEstablished(IkeSa sa)
    {
        sa.State = IkeSaState.Established;
        sa.EstablishedAt = Now;
        sa.LastInbound = Now;
        ScheduleIkeLifetime(sa);
        _log.LogDebug("IKE SA {SpiI:x16}_i {SpiR:x16}_r of '{Tunnel}' established with {Remote} ({Suite})",
            sa.InitiatorSpi, sa.ResponderSpi, sa.TunnelName, sa.Remote, sa.SuiteName);
    }

    private void RaiseEstablished(IkeSa sa)
    {
        IkeSaKeys k = sa.Keys!;
        var keys = new IkeSaKeyInfo(sa.InitiatorSpi, sa.ResponderSpi, k.SkEi.ToArray(), k.SkEr.ToArray(), k.SkAi.ToArray(), k.SkAr.ToArray(),
            (ushort)sa.Suite!.Encryption, SuiteSizes.EncryptionKeyBits(sa.Suite.Encryption, sa.Suite.EncryptionKeyBits), (ushort)sa.Suite.Integrity);
        Raise(new IkeSaEstablished(sa.TunnelName, sa.InitiatorSpi, sa.ResponderSpi, sa.IsInitiator, sa.SuiteName,
            sa.Local, sa.Remote, sa.RemoteId!, sa.NatDetected, keys));
    }
}

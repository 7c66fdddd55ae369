using System.Net;
using System.Net.Sockets;
using Appliance.Ike.Eap;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Remote access as responder (RFC 7296 §2.16, §3.15): IKE_AUTH without AUTH → our certificate AUTH and EAP-Identity,
// EAP-MSCHAPv2 over further IKE_AUTH round trips, AUTH from the MSK both ways, then CFG_REPLY and the Child SA with
// TSi narrowed to the client's virtual IP.
public sealed partial class IkeEngine
{
    private readonly Dictionary<string, VirtualIpPool[]> _pools = new(StringComparer.Ordinal);
    private readonly EapGuard _eapGuard = new();

    private void CreatePools(IkeTunnelConfig config)
    {
        if (config.RemoteAccess is not { } ra)
            return;
        _pools[config.Name] = ra.Pool6 is { } six ? [new VirtualIpPool(ra.Pool4), new VirtualIpPool(six)] : [new VirtualIpPool(ra.Pool4)];
    }

    /// <summary>The first IKE_AUTH request came without AUTH: start EAP if a remote-access tunnel accepts the peer.</summary>
    private bool TryStartEap(IkeSa sa, IkeHeader h, List<IkePayload> p, IdPayload idi, IdPayload? idr)
    {
        IkeTunnelConfig? config = sa.Candidates.FirstOrDefault(c => c.RemoteAccess is not null && c.RemoteId.Matches(idi.Identity)
            && (idr is null || idr.Identity.Equals(c.LocalId)));
        if (config is null)
            return false;
        sa.Config = config;
        sa.RemoteId = idi.Identity;
        var idrOut = new IdPayload(true, config.LocalId);
        // §2.16: the responder authenticates with a signature before any EAP; only then may the client reveal its password proof.
        if (OurAuth(sa, config, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr, idrOut) is not { } ourAuth)
        {
            SendResponse(sa, h, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Raise(new IkeSaFailed(config.Name, "cannot sign AUTH with the configured private key"));
            RemoveSa(sa, "cannot sign AUTH");
            return true;
        }
        RemoteAccessConfig ra = config.RemoteAccess!;
        sa.EapIdi = idi;
        sa.EapIdr = idrOut;
        sa.EapFirstRequest = p;
        sa.EapServer = new EapMsChapV2Server(_random, ra.Users.NtHash, config.LocalId.ToString());
        var response = new List<IkePayload> { idrOut };
        response.AddRange(OurCertificates(config));
        response.Add(ourAuth);
        response.Add(new EapPayload(sa.EapServer.Start()));
        SendResponse(sa, h, response);
        return true;
    }

    /// <summary>A further IKE_AUTH request of an EAP conversation: the next EAP packet, or the final AUTH.</summary>
    private void HandleEapRequest(IkeSa sa, IkeHeader h, List<IkePayload> p)
    {
        EapMsChapV2Server server = sa.EapServer!;
        if (sa.Msk is null)
        {
            if (Find<EapPayload>(p) is not { } eap)
            {
                EapFailed(sa, h, "IKE_AUTH request without EAP payload during EAP", countUser: false);
                return;
            }
            string? knownBefore = server.UserName;
            EapStep step = server.Process(eap.Data);
            if (knownBefore is null && server.UserName is { } user && _eapGuard.IsLockedOut(user, Now, out DateTimeOffset until))
            {
                EapFailed(sa, h, $"locked out until {until:u} after repeated failures", countUser: false);
                return;
            }
            if (step.Outcome == EapOutcome.Failure)
            {
                EapFailed(sa, h, step.Failure!, countUser: step.Failure is "wrong password" or "unknown user");
                return;
            }
            if (step.Outcome == EapOutcome.Success)
                sa.Msk = server.Msk!.ToArray();
            SendResponse(sa, h, [new EapPayload(step.Reply!)]);
            return;
        }
        AuthPayload? auth = Find<AuthPayload>(p);
        byte[] expected = PskAuthentication.Compute(sa.Prf!, sa.Msk, sa.InitRequest, sa.NonceR, sa.Keys!.SkPi, sa.EapIdi!.Body);
        if (auth is null || auth.Method != AuthMethod.SharedKeyMessageIntegrityCode || !PskAuthentication.Verify(auth.Data, expected))
        {
            EapFailed(sa, h, "the client's AUTH from the EAP MSK does not verify", countUser: false);
            return;
        }
        _eapGuard.RecordSuccess(server.UserName!);
        var ourAuth = new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode,
            PskAuthentication.Compute(sa.Prf!, sa.Msk, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr, sa.EapIdr!.Body));
        FinishRemoteAccess(sa, h, ourAuth, server.UserName!);
    }

    private void FinishRemoteAccess(IkeSa sa, IkeHeader h, AuthPayload ourAuth, string user)
    {
        IkeTunnelConfig config = sa.Config!;
        List<IkePayload> request = sa.EapFirstRequest!;
        sa.Lease = new RemoteAccessLease(user, Now);
        if (FindNotify(request, NotifyType.InitialContact) is not null)
            DropOlderSas(sa);
        // RFC 7296 §1.2/§2.16 order: AUTH, [CP(CFG_REPLY)], SAr2, TSi, TSr.
        var response = new List<IkePayload> { ourAuth };
        bool addressFailure = false;
        if (request.OfType<ConfigurationPayload>().FirstOrDefault(c => c.CfgType == (byte)CfgType.Request) is { } cp)
        {
            CfgRequest wanted = ConfigurationAttributes.ReadRequest(cp);
            addressFailure = !AssignAddresses(sa, wanted, out IPAddress? ip4, out IPAddress? ip6);
            if (addressFailure)
                response.Add(new NotifyPayload(NotifyType.InternalAddressFailure));
            else
                response.Add(ConfigurationAttributes.Reply(wanted, ip4, ip6, config.RemoteAccess!.Pool6?.PrefixLength ?? 128, config.RemoteAccess!));
        }
        // §3.15.4: without an address the IKE SA still comes up, the Child SA does not.
        ChildSa? child = addressFailure ? null : CreateChildAsResponder(sa, config, request, response, sa.Lease.Selectors);
        MarkEstablished(sa);
        SendResponse(sa, h, response);
        RaiseEstablished(sa);
        List<IPAddress> vips = sa.Lease.VirtualIps.ToList();
        _log.LogInformation("remote-access user '{User}' connected to '{Tunnel}' from {Remote}, virtual IP {Vips}",
            user, config.Name, sa.Remote, vips.Count == 0 ? "none" : string.Join(' ', vips));
        Raise(new RemoteAccessClientConnected(config.Name, user, sa.Remote, vips));
        if (child is not null)
        {
            sa.Children.Add(child);
            Raise(new ChildSaEstablished(sa.TunnelName, child.Info));
        }
        sa.EapFirstRequest = null;
    }

    /// <summary>Virtual addresses for what the client asked (§3.15.4); false when a pool it needs is exhausted.</summary>
    private bool AssignAddresses(IkeSa sa, CfgRequest wanted, out IPAddress? ip4, out IPAddress? ip6)
    {
        ip4 = ip6 = null;
        // The tunnel was removed (reload) while this client signed in: no pool to take from.
        if (!_pools.TryGetValue(sa.Config!.Name, out VirtualIpPool[]? pools))
            return !wanted.Ip4 && !wanted.Ip6;
        if (wanted.Ip4)
        {
            ip4 = pools[0].Allocate();
            if (ip4 is null)
            {
                _log.LogWarning("remote-access tunnel '{Tunnel}': IPv4 pool {Pool} exhausted ({Count} addresses leased)",
                    sa.TunnelName, pools[0].Network, pools[0].LeasedCount);
                return false;
            }
            sa.Lease!.Addresses.Add((pools[0], ip4));
        }
        if (wanted.Ip6 && pools.Length > 1)
        {
            ip6 = pools[1].Allocate();
            if (ip6 is not null)
                sa.Lease!.Addresses.Add((pools[1], ip6));
            else if (ip4 is null)
                return false;
        }
        return ip4 is not null || ip6 is not null || (!wanted.Ip4 && !wanted.Ip6);
    }

    private void EapFailed(IkeSa sa, IkeHeader h, string reason, bool countUser)
    {
        IkeTunnelConfig config = sa.Config!;
        string? user = sa.EapServer?.UserName;
        Counters.Increment(IkeCounter.AuthenticationFailed);
        bool lockedNow = countUser && user is not null
            && _eapGuard.RecordFailure(user, Now, config.RemoteAccess!.MaxFailures, config.RemoteAccess.LockOut);
        // The user name is logged so an operator can see who fails; the password and its hash never are.
        _log.LogWarning("IKE SA {SpiR:x16}_r: EAP-MSCHAPv2 login of user '{User}' from {Remote} failed: {Reason}{Lock}",
            sa.ResponderSpi, user ?? "(no identity yet)", sa.Remote.Address, reason,
            lockedNow ? $"; locked out for {config.RemoteAccess!.LockOut}" : "");
        SendResponse(sa, h, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
        Raise(new AuthenticationFailed(config.Name, $"EAP-MSCHAPv2 user '{user ?? "?"}': {reason}"));
        RemoveSa(sa, "EAP authentication failed");
    }

    /// <summary>Failed EAP logins per user since start.</summary>
    public IReadOnlyDictionary<string, long> EapFailuresByUser()
    {
        lock (_gate)
            return _eapGuard.Failures();
    }

    private void ReleaseLease(IkeSa sa, string reason)
    {
        if (sa.Lease is not { } lease)
            return;
        List<IPAddress> vips = lease.VirtualIps.ToList();
        lease.Release();
        sa.Lease = null;
        _log.LogInformation("remote-access user '{User}' of '{Tunnel}' gone ({Reason}); {Vips} back in the pool",
            lease.User, sa.TunnelName, reason, vips.Count == 0 ? "no address" : string.Join(' ', vips));
        Raise(new RemoteAccessClientDisconnected(sa.TunnelName, lease.User, vips, reason));
    }

    /// <summary>Selectors a remote-access client may use as TSi: its virtual IPs; other tunnels: the configured RemoteTs.</summary>
    private static IReadOnlyList<TrafficSelector> RemoteSelectorsFor(IkeSa sa, IkeTunnelConfig config) =>
        sa.Lease is { } lease && config.RemoteAccess is not null ? lease.Selectors : config.RemoteTs;

    private static IEnumerable<TrafficSelector> AnyAddress(bool ip4, bool ip6)
    {
        if (ip4) yield return new TrafficSelector(IPAddress.Any, IPAddress.Broadcast);
        if (ip6) yield return new TrafficSelector(IPAddress.IPv6Any, IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    }

    private static bool IsIpv4(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork;
}

using Appliance.Ike.Eap;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike;

// Remote access as the client (RFC 7296 §2.16): IKE_AUTH without AUTH and with CFG_REQUEST, the responder's certificate
// AUTH checked, EAP-MSCHAPv2 round trips, then AUTH from the MSK both ways and the CFG_REPLY's virtual addresses.
public sealed partial class IkeEngine
{
    private void HandleEapClientResponse(IkeSa sa, List<IkePayload> p)
    {
        IkeTunnelConfig config = sa.Config!;
        if (sa.EapClient is null && !AcceptResponderCertificateAuth(sa, config, p))
            return;
        if (sa.Msk is null)
        {
            if (Find<EapPayload>(p) is not { } eap)
            {
                EapClientFailed(sa, FirstError(p) is { } error ? Answered(error) : "no EAP payload in IKE_AUTH response");
                return;
            }
            EapStep step = sa.EapClient!.Process(eap.Data);
            switch (step.Outcome)
            {
                case EapOutcome.Failure:
                    EapClientFailed(sa, step.Failure!);
                    return;
                case EapOutcome.Success:
                    sa.Msk = sa.EapClient.Msk!.ToArray();
                    byte[] auth = PskAuthentication.Compute(sa.Prf!, sa.Msk, sa.InitRequest, sa.NonceR, sa.Keys!.SkPi, sa.EapIdi!.Body);
                    SendRequest(sa, ExchangeType.IkeAuth, RequestKind.IkeAuth, [new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, auth)]);
                    return;
                default:
                    SendRequest(sa, ExchangeType.IkeAuth, RequestKind.IkeAuth, [new EapPayload(step.Reply!)]);
                    return;
            }
        }
        AuthPayload? final = Find<AuthPayload>(p);
        byte[] expected = PskAuthentication.Compute(sa.Prf!, sa.Msk, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr, sa.EapIdr!.Body);
        if (final is null || final.Method != AuthMethod.SharedKeyMessageIntegrityCode || !PskAuthentication.Verify(final.Data, expected))
        {
            EapClientFailed(sa, FirstError(p) is { } error ? Answered(error) : "the responder's AUTH from the MSK does not verify");
            return;
        }
        MarkEstablished(sa);
        RaiseEstablished(sa);
        TakeConfigurationReply(sa, config, p);
        ChildSa? child = AcceptChildAsInitiator(sa, p);
        if (child is not null)
        {
            sa.Children.Add(child);
            Raise(new ChildSaEstablished(sa.TunnelName, child.Info));
        }
        sa.PendingChildSpi = 0;
    }

    /// <summary>The first IKE_AUTH response: IDr, CERT and the responder's signature AUTH, which must verify before any EAP.</summary>
    private bool AcceptResponderCertificateAuth(IkeSa sa, IkeTunnelConfig config, List<IkePayload> p)
    {
        IdPayload? idr = FindId(p, responder: true);
        AuthPayload? auth = Find<AuthPayload>(p);
        string? failure = idr is null || auth is null
            ? (FirstError(p) is { } error ? Answered(error) : "first IKE_AUTH response without IDr and AUTH")
            : !config.RemoteId.Matches(idr.Identity) ? $"peer identity '{idr.Identity}' is not the expected '{config.RemoteId}'"
            : auth.Method == AuthMethod.SharedKeyMessageIntegrityCode ? "responder used a pre-shared key; EAP needs its certificate (RFC 7296 §2.16)"
            : VerifyPeerAuth(sa, config, p, auth, idr, sa.InitResponse, sa.NonceI, sa.Keys!.SkPr);
        if (failure is not null)
        {
            EapClientFailed(sa, failure);
            return false;
        }
        sa.RemoteId = idr!.Identity;
        sa.EapIdr = idr;
        EapClientConfig eap = config.EapClient!;
        sa.EapClient = new EapMsChapV2Client(_random, eap.UserName, eap.NtHash);
        return true;
    }

    private static string Answered(NotifyPayload error) => error.NotifyType == NotifyType.AuthenticationFailed
        ? "responder answered AUTHENTICATION_FAILED (wrong user name or password, or locked out?)"
        : $"responder answered {error.NotifyType}";

    private void EapClientFailed(IkeSa sa, string reason)
    {
        Counters.Increment(IkeCounter.AuthenticationFailed);
        Raise(new AuthenticationFailed(sa.TunnelName, "EAP: " + reason));
        RemoveSa(sa, "EAP authentication failed");
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Appliance.Ike.Eap;

/// <summary>
/// The peer side of EAP-Identity and EAP-MSCHAPv2 (RFC 2759 §4, draft-kamath-pppext-eap-mschapv2), sans I/O: what a
/// road-warrior client runs. It checks the authenticator's "S=" response before it accepts EAP-Success, so a server
/// that does not know the password cannot pass itself off.
/// </summary>
internal sealed class EapMsChapV2Client(IIkeRandom random, string userName, byte[] ntHash) : IDisposable
{
    private string? _expectedAuthenticator;
    private byte[]? _ntResponse;
    private bool _authenticatorVerified;

    public byte[]? Msk { get; private set; }

    public EapStep Process(ReadOnlySpan<byte> received)
    {
        if (!EapPacket.TryParse(received, out EapPacket? packet))
            return new EapStep(null, EapOutcome.Failure, "malformed EAP packet");
        switch (packet!.Code)
        {
            case EapCode.Success:
                if (!_authenticatorVerified)
                    return new EapStep(null, EapOutcome.Failure, "EAP-Success before the authenticator proved itself");
                Msk = MsChapV2.Msk(ntHash, _ntResponse!);
                return new EapStep(null, EapOutcome.Success);
            case EapCode.Failure:
                return new EapStep(null, EapOutcome.Failure, "server sent EAP-Failure");
            case EapCode.Request when packet.Type == EapType.Identity:
                return Reply(packet, EapType.Identity, Encoding.UTF8.GetBytes(userName));
            case EapCode.Request when packet.Type == EapType.MsChapV2:
                return OnMsChapV2(packet);
            case EapCode.Request:
                return Reply(packet, EapType.Nak, [(byte)EapType.MsChapV2]);
            default:
                return new EapStep(null, EapOutcome.Failure, $"unexpected EAP code {packet.Code}");
        }
    }

    private EapStep OnMsChapV2(EapPacket packet)
    {
        if (MsChapV2Packet.Parse(packet.TypeData) is not { } op)
            return new EapStep(null, EapOutcome.Failure, "malformed EAP-MSCHAPv2 request");
        switch (op.Op)
        {
            case MsChapV2OpCode.Challenge when op.Data.Length >= 17 && op.Data[0] == 16:
                byte[] authChallenge = op.Data[1..17];
                var peerChallenge = new byte[16];
                random.Fill(peerChallenge);
                _ntResponse = MsChapV2.GenerateNtResponse(authChallenge, peerChallenge, userName, ntHash);
                _expectedAuthenticator = MsChapV2.GenerateAuthenticatorResponse(ntHash, _ntResponse, peerChallenge, authChallenge, userName);
                return Reply(packet, EapType.MsChapV2, MsChapV2Packet.Response(op.Id, peerChallenge, _ntResponse, userName));
            case MsChapV2OpCode.Success:
                string message = Encoding.ASCII.GetString(op.Data);
                if (_expectedAuthenticator is null || !message.StartsWith(_expectedAuthenticator, StringComparison.Ordinal))
                    return new EapStep(null, EapOutcome.Failure, "the authenticator response does not verify");
                _authenticatorVerified = true;
                return Reply(packet, EapType.MsChapV2, [(byte)MsChapV2OpCode.Success]);
            case MsChapV2OpCode.Failure:
                return new EapStep(null, EapOutcome.Failure, "server refused the password: " + Encoding.ASCII.GetString(op.Data));
            default:
                return new EapStep(null, EapOutcome.Failure, $"unexpected MS-CHAPv2 op {op.Op}");
        }
    }

    private static EapStep Reply(EapPacket request, EapType type, byte[] data) =>
        new(new EapPacket(EapCode.Response, request.Identifier, type, data).Encode(), EapOutcome.Continue);

    public void Dispose()
    {
        if (Msk is not null) CryptographicOperations.ZeroMemory(Msk);
        if (_ntResponse is not null) CryptographicOperations.ZeroMemory(_ntResponse);
    }
}

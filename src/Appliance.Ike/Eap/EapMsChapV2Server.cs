using System.Security.Cryptography;
using System.Text;

namespace Appliance.Ike.Eap;

/// <summary>What one EAP step produced: the packet to send (if any) and where the conversation stands.</summary>
internal readonly record struct EapStep(byte[]? Reply, EapOutcome Outcome, string? Failure = null);

internal enum EapOutcome { Continue, Success, Failure }

/// <summary>
/// The authenticator side of EAP-Identity then EAP-MSCHAPv2 (RFC 3748 §5.1, RFC 2759, draft-kamath-pppext-eap-mschapv2),
/// sans I/O: IKE carries each packet (RFC 7296 §2.16). An unknown user gets a challenge like any other and fails at the
/// response, so the exchange does not tell which user names exist. The MSK is available once <see cref="EapOutcome.Success"/>
/// was returned.
/// </summary>
internal sealed class EapMsChapV2Server(IIkeRandom random, Func<string, byte[]?> ntHashOf, string serverName) : IDisposable
{
    private enum Stage { Identity, Challenge, SuccessSent, Done }

    private Stage _stage = Stage.Identity;
    private byte _identifier;
    private readonly byte[] _challenge = new byte[MsChapV2.ChallengeSize];
    private byte[]? _ntHash;

    /// <summary>The identity the peer gave (EAP-Identity), null before.</summary>
    public string? UserName { get; private set; }

    public byte[]? Msk { get; private set; }

    /// <summary>The first request: EAP-Request/Identity.</summary>
    public byte[] Start()
    {
        byte[] id = new byte[1];
        random.Fill(id);
        _identifier = id[0];
        return new EapPacket(EapCode.Request, _identifier, EapType.Identity, []).Encode();
    }

    public EapStep Process(ReadOnlySpan<byte> received)
    {
        if (!EapPacket.TryParse(received, out EapPacket? packet) || packet!.Code != EapCode.Response)
            return Fail("malformed EAP packet or not an EAP-Response");
        if (packet.Identifier != _identifier)
            return Fail($"EAP identifier {packet.Identifier} does not answer request {_identifier}");
        if (packet.Type == EapType.Nak)
            return Fail("the client refused EAP-MSCHAPv2 (EAP-Nak)");
        return _stage switch
        {
            Stage.Identity when packet.Type == EapType.Identity => OnIdentity(packet),
            Stage.Challenge or Stage.SuccessSent when packet.Type == EapType.MsChapV2 => OnMsChapV2(packet),
            _ => Fail($"unexpected EAP-Response type {packet.Type} in stage {_stage}"),
        };
    }

    private EapStep OnIdentity(EapPacket packet)
    {
        string name = Encoding.UTF8.GetString(packet.TypeData).TrimEnd('\0');
        if (name.Length == 0 || name.Length > 255 || name.Any(char.IsControl))
            return Fail("empty or unprintable EAP identity");
        UserName = name;
        _ntHash = ntHashOf(name);
        random.Fill(_challenge);
        _stage = Stage.Challenge;
        _identifier++;
        byte[] data = MsChapV2Packet.Challenge(_identifier, _challenge, serverName);
        return new EapStep(new EapPacket(EapCode.Request, _identifier, EapType.MsChapV2, data).Encode(), EapOutcome.Continue);
    }

    private EapStep OnMsChapV2(EapPacket packet)
    {
        if (MsChapV2Packet.Parse(packet.TypeData) is not { } op)
            return Fail("malformed EAP-MSCHAPv2 packet");
        if (_stage == Stage.SuccessSent)
        {
            if (op.Op != MsChapV2OpCode.Success)
                return Fail($"client answered the MS-CHAPv2 success with op {op.Op}");
            _stage = Stage.Done;
            return new EapStep(new EapPacket(EapCode.Success, _identifier, EapType.None, []).Encode(), EapOutcome.Success);
        }
        if (op.Op != MsChapV2OpCode.Response || op.Data.Length < 1 + MsChapV2Packet.ResponseValueSize || op.Data[0] != MsChapV2Packet.ResponseValueSize)
            return Fail("expected an MS-CHAPv2 Response with a 49-octet value");
        ReadOnlySpan<byte> peerChallenge = op.Data.AsSpan(1, 16);
        ReadOnlySpan<byte> ntResponse = op.Data.AsSpan(25, MsChapV2.NtResponseSize);
        if (_ntHash is null)
            return Fail("unknown user");
        byte[] expected = MsChapV2.GenerateNtResponse(_challenge, peerChallenge, UserName!, _ntHash);
        if (!CryptographicOperations.FixedTimeEquals(expected, ntResponse))
            return Fail("wrong password");
        string authenticator = MsChapV2.GenerateAuthenticatorResponse(_ntHash, ntResponse, peerChallenge, _challenge, UserName!);
        Msk = MsChapV2.Msk(_ntHash, ntResponse);
        _stage = Stage.SuccessSent;
        _identifier++;
        byte[] data = MsChapV2Packet.Build(MsChapV2OpCode.Success, op.Id, Encoding.ASCII.GetBytes(authenticator + " M=Welcome"));
        return new EapStep(new EapPacket(EapCode.Request, _identifier, EapType.MsChapV2, data).Encode(), EapOutcome.Continue);
    }

    private EapStep Fail(string why)
    {
        _stage = Stage.Done;
        return new EapStep(null, EapOutcome.Failure, why);
    }

    public void Dispose()
    {
        if (_ntHash is not null) CryptographicOperations.ZeroMemory(_ntHash);
        if (Msk is not null) CryptographicOperations.ZeroMemory(Msk);
        CryptographicOperations.ZeroMemory(_challenge);
    }
}

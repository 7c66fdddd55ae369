using System.Security.Cryptography;
using System.Text;
using Appliance.Ike;
using Appliance.Ike.Eap;

namespace Appliance.L2tp.Ppp;

/// <summary>
/// The authenticator of MS-CHAPv2 over PPP (RFC 2759 §3-§6 on CHAP, RFC 1994): a Challenge with 16 random octets,
/// retransmitted on the Restart timer; the Response's NT-Response checked against the user's NT hash from the same
/// store as IKEv2's EAP-MSCHAPv2; Success with the authenticator response ("S=", §5) or Failure E=691 (§6). A repeated
/// Response to an answered Challenge gets the same answer again (RFC 1994 §4.2). The computations are
/// <see cref="MsChapV2"/>'s, shared with EAP.
/// </summary>
internal sealed class MsChapV2Authenticator(PppOptions options, L2tpCounters counters, IIkeRandom random, IEapUserStore users,
    EapGuard guard, Action<ushort, byte[]> sendPacket) : IDisposable
{
    public enum Outcome { Pending, Success, Failure }

    private const byte Challenge = 1, Response = 2, SuccessCode = 3, FailureCode = 4;
    private readonly byte[] _challenge = new byte[MsChapV2.ChallengeSize];
    private byte _id;
    private int _sent;
    private byte[]? _answer;

    public Outcome Result { get; private set; } = Outcome.Pending;
    public string? UserName { get; private set; }
    public string? FailureReason { get; private set; }
    public DateTimeOffset? Deadline { get; private set; }

    public void Start(DateTimeOffset now)
    {
        Span<byte> id = stackalloc byte[1];
        random.Fill(id);
        _id = id[0];
        random.Fill(_challenge);
        _sent = 0;
        _answer = null;
        Result = Outcome.Pending;
        SendChallenge(now);
    }

    public void Tick(DateTimeOffset now)
    {
        if (Deadline is not { } d || d > now || Result != Outcome.Pending)
            return;
        if (_sent >= options.MaxConfigure)
        {
            Deadline = null;
            Fail("no MS-CHAPv2 Response", send: false);
            return;
        }
        SendChallenge(now);
    }

    /// <summary>A CHAP packet from the peer; the caller checks afterwards whether <see cref="Result"/> changed.</summary>
    public void Receive(ReadOnlySpan<byte> info, DateTimeOffset now)
    {
        if (!PppPacket.TryParse(info, out PppPacket packet))
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        if (packet.Code != Response || packet.Identifier != _id)
            return; // §4.1: a Response to another Challenge, or Success/Failure sent to us, is silently discarded
        if (_answer is not null)
        {
            sendPacket(PppProtocol.Chap, _answer);
            return;
        }
        // Response value (§4): Value-Size 49, Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1; then the Name.
        if (packet.Data.Length < 1 + MsChapV2Packet.ResponseValueSize || packet.Data[0] != MsChapV2Packet.ResponseValueSize)
        {
            counters.Increment(L2tpCounter.PppMalformed);
            return;
        }
        ReadOnlySpan<byte> peerChallenge = packet.Data.AsSpan(1, 16);
        ReadOnlySpan<byte> ntResponse = packet.Data.AsSpan(25, MsChapV2.NtResponseSize);
        string name = Encoding.UTF8.GetString(packet.Data.AsSpan(1 + MsChapV2Packet.ResponseValueSize));
        if (name.Length == 0 || name.Length > 255 || name.Any(char.IsControl))
        {
            Fail("empty or unprintable user name", send: true);
            return;
        }
        UserName = name;
        Deadline = null;
        if (guard.IsLockedOut(name, now, out _))
        {
            counters.Increment(L2tpCounter.LockedOutAttempts);
            Fail("user locked out after repeated failures", send: true);
            return;
        }
        // An unknown user fails exactly like a wrong password, so the answer does not tell which names exist.
        byte[]? ntHash = users.NtHash(name);
        try
        {
            byte[]? expected = ntHash is null ? null : MsChapV2.GenerateNtResponse(_challenge, peerChallenge, name, ntHash);
            if (expected is null || !CryptographicOperations.FixedTimeEquals(expected, ntResponse))
            {
                guard.RecordFailure(name, now, options.MaxAuthFailures, options.AuthLockOut);
                Fail(ntHash is null ? "unknown user" : "wrong password", send: true);
                return;
            }
            guard.RecordSuccess(name);
            string authenticator = MsChapV2.GenerateAuthenticatorResponse(ntHash!, ntResponse, peerChallenge, _challenge, name);
            _answer = new PppPacket(SuccessCode, _id, Encoding.ASCII.GetBytes(authenticator + " M=Welcome")).Encode();
            sendPacket(PppProtocol.Chap, _answer);
            counters.Increment(L2tpCounter.AuthSuccesses);
            Result = Outcome.Success;
        }
        finally
        {
            if (ntHash is not null) CryptographicOperations.ZeroMemory(ntHash);
        }
    }

    private void SendChallenge(DateTimeOffset now)
    {
        _sent++;
        Deadline = now + options.RestartTimer;
        byte[] data = [(byte)_challenge.Length, .. _challenge, .. Encoding.UTF8.GetBytes(options.AuthenticatorName)];
        sendPacket(PppProtocol.Chap, new PppPacket(Challenge, _id, data).Encode());
    }

    private void Fail(string why, bool send)
    {
        counters.Increment(L2tpCounter.AuthFailures);
        FailureReason = why;
        Result = Outcome.Failure;
        if (!send)
            return;
        // §6: E=691 (authentication failure), R=0 (no retry), C= the challenge, V=3; the reason stays in our log only.
        string message = $"E=691 R=0 C={Convert.ToHexString(_challenge)} V=3 M=Authentication failure";
        _answer = new PppPacket(FailureCode, _id, Encoding.ASCII.GetBytes(message)).Encode();
        sendPacket(PppProtocol.Chap, _answer);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_challenge);
}

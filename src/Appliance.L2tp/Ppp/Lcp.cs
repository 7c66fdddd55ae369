using System.Buffers.Binary;
using Appliance.Ike;

namespace Appliance.L2tp.Ppp;

/// <summary>
/// LCP as the authenticating end (RFC 1661 §6): we request our MRU, MS-CHAPv2 as Authentication-Protocol (RFC 2759 §2:
/// C223 with algorithm 0x81) and a Magic-Number; of the peer's options we accept MRU, Magic-Number, ACCM, and the
/// compression of address/control and protocol fields (which only permit us to compress; we never do), and reject the
/// rest, including the peer asking us to authenticate. Echo-Request is answered; Protocol-Reject and Code-Reject go to
/// the layer they name.
/// </summary>
internal sealed class Lcp(PppOptions options, L2tpCounters counters, IIkeRandom random, Action<ushort, byte[]> sendPacket, ILcpOwner owner)
    : NegotiationAutomaton(PppProtocol.Lcp, options, counters, sendPacket)
{
    public const byte Mru = 1, Accm = 2, AuthenticationProtocol = 3, QualityProtocol = 4, MagicNumber = 5, Pfc = 7, Acfc = 8;

    /// <summary>Authentication-Protocol data for MS-CHAPv2: CHAP (C223) with algorithm 0x81.</summary>
    public static readonly byte[] MsChapV2 = [0xC2, 0x23, 0x81];

    /// <summary>RFC 1661 §6.1: below this the peer could not even receive a full LCP negotiation.</summary>
    private const int MinimumMru = 128;

    private int? _requestMru = options.Mru;
    private uint? _magic = NewMagic(random);
    private int _peerMru = 1500;

    public override int PeerMru => _peerMru;

    /// <summary>Our Magic-Number when negotiated, else 0 (RFC 1661 §5.8: Echo packets then carry zero).</summary>
    public uint Magic => _magic ?? 0;

    protected override List<PppOption> RequestOptions()
    {
        var list = new List<PppOption>();
        if (_requestMru is { } mru) list.Add(new PppOption(Mru, [(byte)(mru >> 8), (byte)mru]));
        list.Add(new PppOption(AuthenticationProtocol, MsChapV2));
        if (_magic is { } m) list.Add(new PppOption(MagicNumber, U32(m)));
        return list;
    }

    protected override RequestVerdict CheckRequest(List<PppOption> received, out List<PppOption> answer)
    {
        var reject = new List<PppOption>();
        var nak = new List<PppOption>();
        int peerMru = 1500;
        foreach (PppOption o in received)
        {
            switch (o.Type)
            {
                case Mru when o.Data.Length == 2:
                    int mru = BinaryPrimitives.ReadUInt16BigEndian(o.Data);
                    if (mru < MinimumMru) nak.Add(new PppOption(Mru, [0, MinimumMru]));
                    else peerMru = mru;
                    break;
                case MagicNumber when o.Data.Length == 4:
                    uint magic = BinaryPrimitives.ReadUInt32BigEndian(o.Data);
                    // §6.4: zero is illegal and must be Nak'd; our own number means a looped-back link (or a collision).
                    if (magic == 0 || magic == _magic) nak.Add(new PppOption(MagicNumber, U32(NewMagic(random))));
                    break;
                case Accm when o.Data.Length == 4:
                case Pfc when o.Data.Length == 0:
                case Acfc when o.Data.Length == 0:
                    break;
                default:
                    // The peer wanting us to authenticate (AuthenticationProtocol), quality reports, callback, multilink,
                    // and whatever we do not know: Configure-Reject (§5.4).
                    reject.Add(o);
                    break;
            }
        }
        if (reject.Count > 0) { answer = reject; return RequestVerdict.Reject; }
        if (nak.Count > 0) { answer = nak; return RequestVerdict.Nak; }
        _peerMru = peerMru;
        answer = [];
        return RequestVerdict.Ack;
    }

    protected override bool ApplyNak(List<PppOption> naked)
    {
        foreach (PppOption o in naked)
        {
            switch (o.Type)
            {
                case Mru when o.Data.Length == 2:
                    int suggested = BinaryPrimitives.ReadUInt16BigEndian(o.Data);
                    _requestMru = suggested is >= MinimumMru and <= 1500 ? suggested : null;
                    break;
                case MagicNumber:
                    _magic = NewMagic(random);
                    break;
                case AuthenticationProtocol:
                    FinishReason = "the client does not do MS-CHAPv2 (Authentication-Protocol Nak'd)";
                    return false;
            }
        }
        return true;
    }

    protected override bool ApplyReject(List<PppOption> rejected)
    {
        foreach (PppOption o in rejected)
        {
            switch (o.Type)
            {
                case Mru: _requestMru = null; break;
                case MagicNumber: _magic = null; break;
                case AuthenticationProtocol:
                    FinishReason = "the client rejected authentication";
                    return false;
            }
        }
        return true;
    }

    protected override bool HandleOtherCode(PppPacket packet, DateTimeOffset now)
    {
        switch ((PppCode)packet.Code)
        {
            case PppCode.EchoRequest:
                // §5.8: answered in Opened only, with our Magic-Number in place of the peer's.
                if (State == PppState.Opened && packet.Data.Length >= 4)
                {
                    byte[] reply = packet.Data.ToArray();
                    BinaryPrimitives.WriteUInt32BigEndian(reply, Magic);
                    Send(PppCode.EchoReply, packet.Identifier, reply[..Math.Min(reply.Length, PeerMru - PppPacket.HeaderSize)]);
                }
                return true;
            case PppCode.EchoReply or PppCode.DiscardRequest:
                return true;
            case PppCode.Identification or PppCode.TimeRemaining:
                // RFC 1570 §2.3/§2.4 packets (Windows sends Identification): informational, silently discarded.
                return true;
            case PppCode.ProtocolReject:
                if (State == PppState.Opened && packet.Data.Length >= 2)
                    owner.ProtocolRejected(BinaryPrimitives.ReadUInt16BigEndian(packet.Data), now);
                return true;
            default:
                return false;
        }
    }

    /// <summary>§5.7: the frame's protocol and as much of its information as fits the peer's MRU; only in Opened.</summary>
    public void SendProtocolReject(ushort rejected, ReadOnlySpan<byte> info)
    {
        if (State != PppState.Opened)
            return;
        Counters.Increment(L2tpCounter.PppProtocolRejects);
        int room = Math.Max(0, PeerMru - PppPacket.HeaderSize - 2);
        byte[] data = [(byte)(rejected >> 8), (byte)rejected, .. info[..Math.Min(info.Length, room)]];
        Send(PppCode.ProtocolReject, _rejectId++, data);
    }

    private byte _rejectId;

    protected override void ThisLayerUp(DateTimeOffset now) => owner.LcpUp(now);
    protected override void ThisLayerDown(DateTimeOffset now) => owner.LcpDown(now);
    protected override void ThisLayerFinished(DateTimeOffset now) => owner.LcpFinished(now);

    private static uint NewMagic(IIkeRandom random)
    {
        Span<byte> b = stackalloc byte[4];
        uint m;
        do { random.Fill(b); m = BinaryPrimitives.ReadUInt32BigEndian(b); } while (m == 0);
        return m;
    }

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }
}

/// <summary>What LCP tells the link about its layer events and about rejected protocols.</summary>
internal interface ILcpOwner
{
    void LcpUp(DateTimeOffset now);
    void LcpDown(DateTimeOffset now);
    void LcpFinished(DateTimeOffset now);
    void ProtocolRejected(ushort protocol, DateTimeOffset now);
}

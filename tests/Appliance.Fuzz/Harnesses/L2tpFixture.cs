using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Ike;
using Appliance.Ike.Eap;
using Appliance.L2tp;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>A clock the L2TP harnesses move forward themselves (an empty record in the input is "3 s later").</summary>
internal sealed class SteppedTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A counter stream: the server's IDs, magic numbers and challenges are the same in every execution.</summary>
internal sealed class CounterRandom : IIkeRandom
{
    private byte _next = 1;

    public void Fill(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = _next++;
    }
}

/// <summary>
/// The fixed L2TP server both L2TP harnesses start from, and the seed transcripts: a LAC and PPP client that runs a real
/// session against it (tunnel, session, LCP, MS-CHAPv2, IPCP, an IP packet, CDN) and records what it sent. The server is
/// deterministic, so replaying a transcript into a fresh server reaches the same states.
/// </summary>
internal static class L2tpFixture
{
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("198.51.100.7"), 1701);
    public const string User = "alice", Password = "alicePass1";

    public static L2tpServer NewServer(SteppedTime time)
    {
        var users = new EapUserStore();
        users.AddPassword(User, Password);
        var pool = new VirtualIpPoolAddresses(IPNetwork.Parse("10.20.0.0/29"));
        var options = new L2tpServerOptions
        {
            Ppp = new PppOptions { ServerAddress = pool.ServerAddress, PrimaryDns = IPAddress.Parse("192.168.1.1") },
        };
        return new L2tpServer(time, users, pool, options, new CounterRandom());
    }

    /// <summary>Records as the harnesses read them: [length:2][datagram], length 0 meaning "advance the clock and tick".</summary>
    public static byte[] Records(IEnumerable<byte[]> datagrams)
    {
        var output = new List<byte>();
        foreach (byte[] d in datagrams)
        {
            output.Add((byte)(d.Length >> 8));
            output.Add((byte)d.Length);
            output.AddRange(d);
        }
        return [.. output];
    }

    /// <summary>The datagrams of one whole session; <paramref name="password"/> wrong gives the CHAP failure path.</summary>
    public static List<byte[]> Transcript(string password = Password, bool sequencing = false, bool extras = false)
    {
        var time = new SteppedTime();
        L2tpServer server = NewServer(time);
        var sent = new List<byte[]>();
        ushort ns = 0, nr = 0, tunnel = 0, session = 0, dataNs = 0;
        var lastPpp = new Dictionary<(ushort Protocol, byte Code), PppPacket>();
        void Exchange(byte[] d)
        {
            sent.Add(d);
            server.HandleDatagram(Peer, d);
            while (server.TryDequeueOutgoing(out L2tpDatagram? o))
            {
                if (!L2tpHeader.TryParse(o!.Payload, out L2tpHeader h, out Range r, out _)) continue;
                byte[] payload = o.Payload[r];
                if (h.IsControl)
                {
                    if (payload.Length == 0) continue;
                    nr++;
                    ControlMessage m = ControlMessage.TryParse(payload)!;
                    if (m.Type == MessageType.Sccrp) tunnel = m.U16(AvpType.AssignedTunnelId)!.Value;
                    if (m.Type == MessageType.Icrp) session = m.U16(AvpType.AssignedSessionId)!.Value;
                }
                else if (PppFrame.TryParse(payload, out ushort protocol, out int at) && PppPacket.TryParse(payload.AsSpan(at), out PppPacket p))
                    lastPpp[(protocol, p.Code)] = p;
            }
        }
        byte[] Control(MessageType type, Action<AvpWriter>? avps, ushort sessionId = 0) =>
            L2tpHeader.EncodeControl(tunnel, sessionId, ns++, nr, ControlMessage.Build(type, avps));
        byte[] Ppp(ushort protocol, PppPacket packet) =>
            L2tpHeader.EncodeData(tunnel, session, sequencing ? dataNs++ : null, PppFrame.Build(protocol, packet.Encode()));

        Exchange(Control(MessageType.Sccrq, w => w.Add(AvpType.ProtocolVersion, [1, 0]).Add(AvpType.HostName, "lac"u8)
            .U32(AvpType.FramingCapabilities, 3).U16(AvpType.AssignedTunnelId, 0x1111).U16(AvpType.ReceiveWindowSize, 4)));
        Exchange(Control(MessageType.Scccn, null));
        Exchange(Control(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, 0x2222).U32(AvpType.CallSerialNumber, 1)));
        Exchange(Control(MessageType.Iccn, w =>
        {
            w.U32(AvpType.TxConnectSpeed, 100_000_000).U32(AvpType.FramingType, 1);
            if (sequencing) w.Add(AvpType.SequencingRequired, []);
        }, session));
        List<PppOption> lcp = [new(1, [0x05, 0x78]), new(5, [0xA1, 0xB2, 0xC3, 0xD4]), new(7, []), new(8, [])];
        if (extras) lcp.Add(new PppOption(13, [6]));
        Exchange(Ppp(PppProtocol.Lcp, new PppPacket(1, 1, PppOption.Encode(lcp))));
        if (extras)
            Exchange(Ppp(PppProtocol.Lcp, new PppPacket(1, 2, PppOption.Encode(lcp.Take(4)))));
        PppPacket serverLcp = lastPpp[(PppProtocol.Lcp, 1)];
        Exchange(Ppp(PppProtocol.Lcp, new PppPacket(2, serverLcp.Identifier, serverLcp.Data)));
        PppPacket challenge = lastPpp[(PppProtocol.Chap, 1)];
        byte[] peerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
        byte[] nt = MsChapV2.GenerateNtResponse(challenge.Data.AsSpan(1, 16), peerChallenge, User, MsChapV2.NtPasswordHash(password));
        Exchange(Ppp(PppProtocol.Chap, new PppPacket(2, challenge.Identifier, [49, .. peerChallenge, .. new byte[8], .. nt, 0, .. Encoding.UTF8.GetBytes(User)])));
        if (password != Password)
            return sent;
        if (extras)
            Exchange(Ppp(PppProtocol.Ccp, new PppPacket(1, 1, [0x12, 0x06, 0, 0, 0, 1])));
        Exchange(Ppp(PppProtocol.Ipcp, new PppPacket(1, 1, PppOption.Encode([new(3, [0, 0, 0, 0]), new(129, [0, 0, 0, 0]), new(130, [0, 0, 0, 0])]))));
        Exchange(Ppp(PppProtocol.Ipcp, new PppPacket(1, 2, PppOption.Encode([new(3, [0, 0, 0, 0]), new(129, [0, 0, 0, 0])]))));
        PppPacket serverIpcp = lastPpp[(PppProtocol.Ipcp, 1)];
        Exchange(Ppp(PppProtocol.Ipcp, new PppPacket(2, serverIpcp.Identifier, serverIpcp.Data)));
        PppPacket nak = lastPpp[(PppProtocol.Ipcp, 3)];
        Exchange(Ppp(PppProtocol.Ipcp, new PppPacket(1, 3, nak.Data)));
        byte[] address = nak.Data[2..6];
        var ip = new byte[28];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), 28);
        ip[9] = 17;
        address.CopyTo(ip, 12);
        new byte[] { 192, 168, 1, 50 }.CopyTo(ip, 16);
        Exchange(L2tpHeader.EncodeData(tunnel, session, sequencing ? dataNs++ : null, PppFrame.Build(PppProtocol.Ip, ip)));
        if (extras)
            Exchange(Ppp(PppProtocol.Lcp, new PppPacket(9, 7, [0xA1, 0xB2, 0xC3, 0xD4, 1, 2])));
        sent.Add([]); // a clock step: timers run
        Exchange(Control(MessageType.Cdn, w => w.Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(3, 0, "bye")).U16(AvpType.AssignedSessionId, 0x2222), session));
        Exchange(Control(MessageType.StopCcn, w => w.U16(AvpType.AssignedTunnelId, 0x1111).Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(1, 0, null))));
        return sent;
    }
}

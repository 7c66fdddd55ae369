using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Ike.Eap;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.Tests;

/// <summary>
/// An in-memory LAC with a PPP client, as a Windows L2TP/IPsec client behaves: SCCRQ/SCCCN, ICRQ/ICCN, LCP with MRU and
/// Magic-Number, MS-CHAPv2 from the password, IPCP asking for 0.0.0.0 and both DNS servers. It acknowledges every
/// control message with a ZLB unless told not to, and records what it saw.
/// </summary>
internal sealed class TestLac(IPEndPoint endpoint, string user, string password, ushort tunnelId = 0x1111, ushort sessionId = 0x2222)
{
    public IPEndPoint Endpoint { get; } = endpoint;
    public ushort TunnelId { get; } = tunnelId;
    public ushort SessionId { get; } = sessionId;
    public ushort ServerTunnelId { get; private set; }
    public ushort ServerSessionId { get; private set; }
    public ushort Ns { get; set; }
    public ushort Nr { get; set; }
    public bool AutoAck { get; set; } = true;
    public bool SequenceData { get; set; }
    public ushort DataNs { get; set; }
    public List<ControlMessage> Control { get; } = [];
    public List<(byte[] Bytes, L2tpHeader Header)> ControlRaw { get; } = [];
    public Queue<byte[]> Outbox { get; } = new();

    // PPP client
    public List<PppOption> LcpRequest { get; set; } = [new(1, [0x05, 0x78]), new(5, [0xA1, 0xB2, 0xC3, 0xD4])];
    public List<PppOption> IpcpRequest { get; set; } = [new(3, [0, 0, 0, 0]), new(129, [0, 0, 0, 0]), new(131, [0, 0, 0, 0])];
    public List<PppPacket> Lcp { get; } = [];
    public List<PppPacket> Ipcp { get; } = [];
    public List<PppPacket> Chap { get; } = [];
    public List<byte[]> IpPackets { get; } = [];
    public List<ushort> ProtocolsRejected { get; } = [];
    public bool LcpOpenedByServerAck { get; private set; }
    public bool ChapSucceeded { get; private set; }
    public bool ChapFailed { get; private set; }
    public bool AuthenticatorResponseValid { get; private set; }
    public IPAddress? Address { get; private set; }
    public IPAddress? Dns1 { get; private set; }
    public IPAddress? Dns2 { get; private set; }
    public bool TerminateRequested { get; private set; }
    private byte _pppId = 0x40;
    private byte[] _peerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
    private byte[]? _ntResponse;
    private byte[]? _serverChallenge;
    private string _userInResponse = user;

    public bool HasType(MessageType t) => Control.Any(m => m.Type == t);

    public void SendControl(MessageType type, Action<AvpWriter>? avps = null, ushort sessionId = 0, ushort? tunnelId = null)
    {
        byte[] area = ControlMessage.Build(type, avps);
        Outbox.Enqueue(L2tpHeader.EncodeControl(tunnelId ?? ServerTunnelId, sessionId, Ns++, Nr, area));
    }

    public void SendZlb() => Outbox.Enqueue(L2tpHeader.EncodeControl(ServerTunnelId, 0, Ns, Nr, []));

    public void StartTunnel() => SendControl(MessageType.Sccrq, w => w
        .Add(AvpType.ProtocolVersion, [1, 0]).Add(AvpType.HostName, "lac"u8).U32(AvpType.FramingCapabilities, 1)
        .U16(AvpType.AssignedTunnelId, TunnelId).U16(AvpType.ReceiveWindowSize, 4), tunnelId: 0);

    public void StartSession() => SendControl(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, SessionId).U32(AvpType.CallSerialNumber, 1));

    public void SendPpp(ushort protocol, byte[] info)
    {
        byte[] frame = PppFrame.Build(protocol, info);
        Outbox.Enqueue(L2tpHeader.EncodeData(ServerTunnelId, ServerSessionId, SequenceData ? DataNs++ : null, frame));
    }

    public void SendPppPacket(ushort protocol, PppCode code, byte[] data) => SendPpp(protocol, new PppPacket((byte)code, _pppId++, data).Encode());

    public void SendIp(byte[] packet) => SendPpp(PppProtocol.Ip, packet);

    public void Receive(byte[] datagram)
    {
        Assert.True(L2tpHeader.TryParse(datagram, out L2tpHeader h, out Range r, out _));
        Assert.Equal(TunnelId, h.TunnelId);
        byte[] payload = datagram[r];
        if (!h.IsControl)
        {
            Assert.Equal(SessionId, h.SessionId);
            ReceivePpp(payload);
            return;
        }
        if (payload.Length == 0)
            return;
        if (h.Ns != Nr)
        {
            if (AutoAck) SendZlb();
            return; // a retransmission we already took, or early: the LNS retransmits in order
        }
        Nr++;
        ControlMessage m = ControlMessage.TryParse(payload)!;
        Control.Add(m);
        ControlRaw.Add((datagram, h));
        switch (m.Type)
        {
            case MessageType.Sccrp:
                ServerTunnelId = m.U16(AvpType.AssignedTunnelId)!.Value;
                SendControl(MessageType.Scccn);
                return;
            case MessageType.Icrp:
                ServerSessionId = m.U16(AvpType.AssignedSessionId)!.Value;
                SendControl(MessageType.Iccn, w =>
                {
                    w.U32(AvpType.TxConnectSpeed, 100_000_000).U32(AvpType.FramingType, 1);
                    if (SequenceData) w.Add(AvpType.SequencingRequired, []);
                }, ServerSessionId);
                SendPppPacket(PppProtocol.Lcp, PppCode.ConfigureRequest, PppOption.Encode(LcpRequest));
                return;
        }
        if (AutoAck) SendZlb();
    }

    private void ReceivePpp(byte[] frame)
    {
        Assert.True(PppFrame.TryParse(frame, out ushort protocol, out int at));
        byte[] info = frame[at..];
        if (protocol == PppProtocol.Ip)
        {
            IpPackets.Add(info);
            return;
        }
        Assert.True(PppPacket.TryParse(info, out PppPacket p));
        switch (protocol)
        {
            case PppProtocol.Lcp: OnLcp(p); break;
            case PppProtocol.Chap: OnChap(p); break;
            case PppProtocol.Ipcp: OnIpcp(p); break;
        }
    }

    private void OnLcp(PppPacket p)
    {
        Lcp.Add(p);
        switch ((PppCode)p.Code)
        {
            case PppCode.ConfigureRequest:
                SendPpp(PppProtocol.Lcp, new PppPacket((byte)PppCode.ConfigureAck, p.Identifier, p.Data).Encode());
                break;
            case PppCode.ConfigureAck: LcpOpenedByServerAck = true; break;
            case PppCode.ConfigureNak or PppCode.ConfigureReject:
                Assert.True(PppOption.TryParseAll(p.Data, out List<PppOption> listed));
                LcpRequest = p.Code == (byte)PppCode.ConfigureReject
                    ? LcpRequest.Where(o => listed.All(l => l.Type != o.Type)).ToList()
                    : LcpRequest.Select(o => listed.FirstOrDefault(l => l.Type == o.Type) is { Data: not null } n ? n : o).ToList();
                SendPppPacket(PppProtocol.Lcp, PppCode.ConfigureRequest, PppOption.Encode(LcpRequest));
                break;
            case PppCode.TerminateRequest:
                TerminateRequested = true;
                SendPpp(PppProtocol.Lcp, new PppPacket((byte)PppCode.TerminateAck, p.Identifier, []).Encode());
                break;
            case PppCode.ProtocolReject:
                ProtocolsRejected.Add(BinaryPrimitives.ReadUInt16BigEndian(p.Data));
                break;
        }
    }

    /// <summary>Overrides the peer challenge and the name in the Response (the RFC 2759 §9.2 vectors use "User").</summary>
    public void UseChallenge(byte[] peerChallenge, string name)
    {
        _peerChallenge = peerChallenge;
        _userInResponse = name;
    }

    public byte[]? NtResponse => _ntResponse;

    private void OnChap(PppPacket p)
    {
        Chap.Add(p);
        switch (p.Code)
        {
            case 1:
                Assert.Equal(16, p.Data[0]);
                _serverChallenge = p.Data[1..17];
                byte[] hash = MsChapV2.NtPasswordHash(password);
                _ntResponse = MsChapV2.GenerateNtResponse(_serverChallenge, _peerChallenge, _userInResponse, hash);
                byte[] value = [49, .. _peerChallenge, .. new byte[8], .. _ntResponse, 0, .. Encoding.UTF8.GetBytes(_userInResponse)];
                SendPpp(PppProtocol.Chap, new PppPacket(2, p.Identifier, value).Encode());
                break;
            case 3:
                ChapSucceeded = true;
                string expected = MsChapV2.GenerateAuthenticatorResponse(MsChapV2.NtPasswordHash(password), _ntResponse!, _peerChallenge, _serverChallenge!, _userInResponse);
                AuthenticatorResponseValid = Encoding.ASCII.GetString(p.Data).StartsWith(expected + " M=", StringComparison.Ordinal);
                SendPppPacket(PppProtocol.Ipcp, PppCode.ConfigureRequest, PppOption.Encode(IpcpRequest));
                break;
            case 4: ChapFailed = true; break;
        }
    }

    private void OnIpcp(PppPacket p)
    {
        Ipcp.Add(p);
        switch ((PppCode)p.Code)
        {
            case PppCode.ConfigureRequest:
                SendPpp(PppProtocol.Ipcp, new PppPacket((byte)PppCode.ConfigureAck, p.Identifier, p.Data).Encode());
                break;
            case PppCode.ConfigureNak or PppCode.ConfigureReject:
                Assert.True(PppOption.TryParseAll(p.Data, out List<PppOption> listed));
                IpcpRequest = p.Code == (byte)PppCode.ConfigureReject
                    ? IpcpRequest.Where(o => listed.All(l => l.Type != o.Type)).ToList()
                    : IpcpRequest.Select(o => listed.FirstOrDefault(l => l.Type == o.Type) is { Data: not null } n ? n : o).ToList();
                SendPppPacket(PppProtocol.Ipcp, PppCode.ConfigureRequest, PppOption.Encode(IpcpRequest));
                break;
            case PppCode.ConfigureAck:
                foreach (PppOption o in IpcpRequest)
                {
                    if (o.Type == 3) Address = new IPAddress(o.Data);
                    if (o.Type == 129) Dns1 = new IPAddress(o.Data);
                    if (o.Type == 131) Dns2 = new IPAddress(o.Data);
                }
                break;
        }
    }
}

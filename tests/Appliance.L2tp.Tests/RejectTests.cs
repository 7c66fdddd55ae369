using System.Net;
using System.Text;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.Tests;

/// <summary>What the server refuses, and how: StopCCN/CDN result codes (RFC 2661 §4.1, §4.4.2), PPP Reject/Nak paths (RFC 1661 §5).</summary>
public class RejectTests
{
    private static (ushort Result, ushort? Error) ResultOf(TestLac lac, MessageType type)
    {
        var r = lac.Control.Last(m => m.Type == type).Result()!.Value;
        return (r.Result, r.Error);
    }

    private static void Sccrq(TestLac lac, Action<AvpWriter> extra, bool version = true) => lac.SendControl(MessageType.Sccrq, w =>
    {
        if (version) w.Add(AvpType.ProtocolVersion, [1, 0]);
        w.Add(AvpType.HostName, "lac"u8).U32(AvpType.FramingCapabilities, 1).U16(AvpType.AssignedTunnelId, lac.TunnelId);
        extra(w);
    }, tunnelId: 0);

    [Fact]
    public void An_unknown_mandatory_AVP_in_SCCRQ_stops_the_tunnel_with_error_8()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        Sccrq(lac, w => w.Add((AvpType)99, [1, 2]));
        h.Pump();
        Assert.Equal((ResultCodes.StopGeneralError, (ushort?)ResultCodes.ErrorUnknownMandatoryAvp), ResultOf(lac, MessageType.StopCcn));
        Assert.False(lac.HasType(MessageType.Sccrp));
        Assert.Equal(1, h.Server.Counters[L2tpCounter.UnknownMandatoryAvp]);
    }

    [Fact]
    public void An_unknown_optional_AVP_is_ignored()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        Sccrq(lac, w => w.Add((AvpType)99, [1, 2], mandatory: false));
        h.Pump();
        Assert.True(lac.HasType(MessageType.Sccrp));
    }

    [Fact]
    public void A_hidden_mandatory_AVP_is_refused_cleanly()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        // Hidden Calling Number (H and M set): the AVP writer has no H, so the flag word is patched.
        byte[] hidden = [0xC0, 0x0A, 0, 0, 0, 22, 1, 2, 3, 4];
        lac.SendControl(MessageType.Sccrq, w => w.Add(AvpType.ProtocolVersion, [1, 0]).Add(AvpType.HostName, "lac"u8)
            .U32(AvpType.FramingCapabilities, 1).U16(AvpType.AssignedTunnelId, lac.TunnelId), tunnelId: 0);
        byte[] d = lac.Outbox.Dequeue();
        byte[] withHidden = [.. d, .. hidden];
        withHidden[3] = (byte)withHidden.Length;
        lac.Outbox.Enqueue(withHidden);
        h.Pump();
        Assert.Equal((ResultCodes.StopGeneralError, (ushort?)ResultCodes.ErrorUnknownMandatoryAvp), ResultOf(lac, MessageType.StopCcn));
        Assert.Contains("hidden", lac.Control.Last().Result()!.Value.Message);
    }

    [Fact]
    public void A_wrong_protocol_version_gets_result_5()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.SendControl(MessageType.Sccrq, w => w.Add(AvpType.ProtocolVersion, [1, 1]).Add(AvpType.HostName, "lac"u8)
            .U32(AvpType.FramingCapabilities, 1).U16(AvpType.AssignedTunnelId, lac.TunnelId), tunnelId: 0);
        h.Pump();
        Assert.Equal(ResultCodes.StopVersionNotSupported, ResultOf(lac, MessageType.StopCcn).Result);
    }

    [Fact]
    public void A_tunnel_authentication_challenge_gets_result_4()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        Sccrq(lac, w => w.Add(AvpType.Challenge, [1, 2, 3, 4]));
        h.Pump();
        Assert.Equal(ResultCodes.StopNotAuthorized, ResultOf(lac, MessageType.StopCcn).Result);
    }

    [Fact]
    public void ICRQ_before_SCCCN_is_a_state_machine_error()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        lac.SendControl(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, 5).U32(AvpType.CallSerialNumber, 1), tunnelId: 0);
        // Deliver the SCCRQ only, learn the tunnel ID, then send the ICRQ on it instead of SCCCN.
        h.Server.HandleDatagram(lac.Endpoint, lac.Outbox.Dequeue());
        lac.Outbox.Clear();
        while (h.Server.TryDequeueOutgoing(out L2tpDatagram? d)) { lac.AutoAck = false; lac.Receive(d!.Payload); }
        lac.Outbox.Clear();
        lac.Ns = 1;
        lac.SendControl(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, 5).U32(AvpType.CallSerialNumber, 1));
        h.Pump();
        Assert.Equal(ResultCodes.StopFsmError, ResultOf(lac, MessageType.StopCcn).Result);
    }

    [Fact]
    public void Unknown_message_types_clear_the_tunnel_only_with_the_M_bit()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        lac.Outbox.Enqueue(L2tpHeader.EncodeControl(lac.ServerTunnelId, 0, lac.Ns++, lac.Nr, [0x00, 0x08, 0, 0, 0, 0, 0, 77]));
        h.Pump();
        Assert.False(lac.HasType(MessageType.StopCcn));
        Assert.Equal(1, h.Server.Counters[L2tpCounter.IgnoredControlMessages]);
        lac.Outbox.Enqueue(L2tpHeader.EncodeControl(lac.ServerTunnelId, 0, lac.Ns++, lac.Nr, [0x80, 0x08, 0, 0, 0, 0, 0, 77]));
        h.Pump();
        Assert.True(lac.HasType(MessageType.StopCcn));
    }

    [Fact]
    public void An_unknown_mandatory_AVP_in_ICCN_ends_only_that_session_with_a_CDN()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        lac.SendControl(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, 5).U32(AvpType.CallSerialNumber, 1));
        lac.AutoAck = true;
        // Answer the ICRP by hand with a bad ICCN.
        h.Server.HandleDatagram(lac.Endpoint, lac.Outbox.Dequeue());
        h.Server.TryDequeueOutgoing(out L2tpDatagram? icrp);
        Assert.True(L2tpHeader.TryParse(icrp!.Payload, out L2tpHeader ih, out Range r, out _));
        lac.Nr++;
        ushort serverSession = ControlMessage.TryParse(icrp.Payload[r])!.U16(AvpType.AssignedSessionId)!.Value;
        lac.SendControl(MessageType.Iccn, w => w.U32(AvpType.TxConnectSpeed, 1).U32(AvpType.FramingType, 1).Add((AvpType)200, []), serverSession);
        h.Pump();
        Assert.Equal((ResultCodes.CdnGeneralError, (ushort?)ResultCodes.ErrorUnknownMandatoryAvp), ResultOf(lac, MessageType.Cdn));
        Assert.False(lac.HasType(MessageType.StopCcn));
        Assert.Equal(1, h.Server.TunnelCount);
        Assert.Equal(0, h.Server.SessionCount);
    }

    [Fact]
    public void Garbage_unknown_tunnels_and_wrong_peers_are_counted_and_dropped()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        h.Server.HandleDatagram(lac.Endpoint, [1, 2, 3]);
        h.Server.HandleDatagram(lac.Endpoint, L2tpHeader.EncodeControl(0x7777, 0, 0, 0, ControlMessage.Build(MessageType.Hello)));
        h.Server.HandleDatagram(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 1701), L2tpHeader.EncodeData(lac.ServerTunnelId, lac.ServerSessionId, null, [0xFF, 3, 0, 0x21]));
        Assert.Equal(1, h.Server.Counters[L2tpCounter.Malformed]);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.UnknownTunnel]);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.WrongPeer]);
        Assert.False(h.Server.TryDequeueOutgoing(out _));
        Assert.Equal(1, h.Server.SessionCount);
    }

    [Theory]
    [InlineData(PppProtocol.Ccp)]
    [InlineData(PppProtocol.Ipv6cp)]
    [InlineData((ushort)0x002B)] // IPX: a protocol the server does not know
    public void Network_protocols_we_do_not_run_get_a_Protocol_Reject(ushort protocol)
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        lac.SendPppPacket(protocol, PppCode.ConfigureRequest, [1, 2]);
        h.Pump();
        Assert.Equal([protocol], lac.ProtocolsRejected);
        Assert.NotNull(lac.Address); // the link stays up
        Assert.Equal(1, h.Server.Counters[L2tpCounter.PppProtocolRejects]);
    }

    [Fact]
    public void CCP_before_authentication_is_discarded_silently()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel(); h.Pump();
        lac.StartSession();
        h.Server.HandleDatagram(lac.Endpoint, lac.Outbox.Dequeue()); // ICRQ
        h.Server.TryDequeueOutgoing(out L2tpDatagram? icrp);
        lac.Receive(icrp!.Payload); // sends ICCN and LCP Configure-Request
        lac.SendPppPacket(PppProtocol.Ccp, PppCode.ConfigureRequest, [0x12, 0x06, 0, 0, 0, 1]);
        h.Pump();
        Assert.Empty(lac.ProtocolsRejected);
        Assert.NotNull(lac.Address);
    }

    [Fact]
    public void Unacceptable_LCP_options_are_rejected_and_bad_values_nakked()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        // Callback (13), Authentication-Protocol PAP (the client wanting us to authenticate), MRU 64, Magic-Number 0.
        lac.LcpRequest = [new(13, [6]), new(3, [0xC0, 0x23]), new(1, [0, 64]), new(5, [0, 0, 0, 0]), new(7, []), new(8, [])];
        lac.StartTunnel(); h.Pump(); lac.StartSession(); h.Pump();
        PppPacket reject = lac.Lcp.First(p => p.Code == (byte)PppCode.ConfigureReject);
        Assert.True(PppOption.TryParseAll(reject.Data, out var rejected));
        Assert.Equal([13, 3], rejected.Select(o => (int)o.Type));
        PppPacket nak = lac.Lcp.First(p => p.Code == (byte)PppCode.ConfigureNak);
        Assert.True(PppOption.TryParseAll(nak.Data, out var naked));
        Assert.Equal([1, 5], naked.Select(o => (int)o.Type));
        Assert.Equal([0, 128], naked[0].Data);
        Assert.NotEqual([0, 0, 0, 0], naked[1].Data);
        Assert.NotNull(lac.Address); // after adopting the Nak'd values the link comes up
    }

    [Fact]
    public void A_client_that_naks_MS_CHAPv2_is_terminated()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel(); h.Pump();
        lac.StartSession();
        h.Server.HandleDatagram(lac.Endpoint, lac.Outbox.Dequeue());
        h.Server.TryDequeueOutgoing(out L2tpDatagram? icrp);
        lac.Receive(icrp!.Payload);
        while (lac.Outbox.TryDequeue(out byte[]? d)) h.Server.HandleDatagram(lac.Endpoint, d);
        // The server's LCP Configure-Request is in the queue: answer it with a Nak asking for PAP.
        PppPacket request = default;
        while (h.Server.TryDequeueOutgoing(out L2tpDatagram? d))
        {
            if (L2tpHeader.TryParse(d!.Payload, out L2tpHeader hh, out Range rr, out _) && !hh.IsControl
                && PppFrame.TryParse(d.Payload[rr], out ushort proto, out int at) && proto == PppProtocol.Lcp
                && PppPacket.TryParse(d.Payload[rr][at..], out PppPacket p) && p.Code == 1)
                request = p;
        }
        lac.SendPpp(PppProtocol.Lcp, new PppPacket((byte)PppCode.ConfigureNak, request.Identifier, PppOption.Encode([new(3, [0xC0, 0x23])])).Encode());
        h.Pump();
        Assert.True(lac.TerminateRequested);
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.True(lac.HasType(MessageType.Cdn));
        Assert.Contains("MS-CHAPv2", Encoding.ASCII.GetString(lac.Control.Last(m => m.Type == MessageType.Cdn).Find(AvpType.ResultCode)!.Value));
    }

    [Fact]
    public void Unknown_LCP_codes_get_a_Code_Reject_and_Identification_is_discarded()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        int before = lac.Lcp.Count;
        lac.SendPppPacket(PppProtocol.Lcp, PppCode.Identification, [0, 0, 0, 0, (byte)'W', (byte)'i', (byte)'n']);
        h.Pump();
        Assert.Equal(before, lac.Lcp.Count);
        lac.SendPppPacket(PppProtocol.Lcp, (PppCode)0x30, [9, 9]);
        h.Pump();
        Assert.Equal((byte)PppCode.CodeReject, lac.Lcp.Last().Code);
        Assert.NotNull(lac.Address);
    }

    [Fact]
    public void IPCP_without_DNS_configured_rejects_the_DNS_options()
    {
        var h = new Harness(options: o => o with { Ppp = o.Ppp with { PrimaryDns = null, SecondaryDns = null } });
        TestLac lac = h.Connect();
        PppPacket reject = lac.Ipcp.First(p => p.Code == (byte)PppCode.ConfigureReject);
        Assert.True(PppOption.TryParseAll(reject.Data, out var rejected));
        Assert.Equal([129, 131], rejected.Select(o => (int)o.Type));
        Assert.NotNull(lac.Address);
        Assert.Null(lac.Dns1);
    }

    [Fact]
    public void An_exhausted_pool_ends_the_link_after_authentication()
    {
        var h = new Harness(pool: "10.20.0.0/30"); // two hosts: the server's and one client's
        TestLac first = h.Connect();
        Assert.NotNull(first.Address);
        TestLac second = h.Connect("bob", "bobPass22", tunnelId: 0x4444);
        Assert.True(second.ChapSucceeded);
        Assert.Null(second.Address);
        Assert.True(second.TerminateRequested);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.AddressPoolExhausted]);
    }

    [Fact]
    public void Repeated_failures_lock_the_user_out()
    {
        var h = new Harness(options: o => o with { Ppp = o.Ppp with { MaxAuthFailures = 2 } });
        for (int i = 0; i < 2; i++)
            Assert.True(h.Connect(password: "bad", tunnelId: (ushort)(0x100 + i)).ChapFailed);
        TestLac third = h.Connect(tunnelId: 0x200); // the right password, during the lock-out
        Assert.True(third.ChapFailed);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.LockedOutAttempts]);
    }
}

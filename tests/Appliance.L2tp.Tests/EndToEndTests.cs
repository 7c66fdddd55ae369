using System.Net;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.Tests;

/// <summary>An in-memory LAC through tunnel, session, LCP, MS-CHAPv2 and IPCP to IP packets both ways, and the ways it ends.</summary>
public class EndToEndTests
{
    [Fact]
    public void A_client_gets_an_address_and_DNS_and_IP_flows_both_ways()
    {
        var h = new Harness();
        TestLac lac = h.Connect();

        Assert.True(lac.HasType(MessageType.Sccrp));
        Assert.True(lac.HasType(MessageType.Icrp));
        Assert.True(lac.LcpOpenedByServerAck);
        Assert.True(lac.ChapSucceeded);
        Assert.True(lac.AuthenticatorResponseValid);
        Assert.Equal(IPAddress.Parse("10.20.0.2"), lac.Address);
        Assert.Equal(Harness.Dns1, lac.Dns1);
        Assert.Equal(Harness.Dns2, lac.Dns2);
        var connected = Assert.Single(h.Events.OfType<L2tpClientConnected>());
        Assert.Equal("alice", connected.UserName);
        Assert.Equal(lac.Address, connected.Address);
        Assert.Single(h.Events.OfType<L2tpSessionUp>());

        byte[] up = Harness.Ipv4(lac.Address!, IPAddress.Parse("192.168.1.50"), "ping"u8.ToArray());
        lac.SendIp(up);
        h.Pump();
        var received = Assert.Single(h.IpFromClients);
        Assert.Equal(up, received.Packet);
        Assert.Equal(connected.Session, received.Session);

        byte[] down = Harness.Ipv4(IPAddress.Parse("192.168.1.50"), lac.Address!, "pong"u8.ToArray());
        Assert.True(h.Server.SendIpPacket(lac.Address!, down));
        h.Pump();
        Assert.Equal(down, Assert.Single(lac.IpPackets));
        Assert.Equal(0, h.Server.Counters[L2tpCounter.InternalError]);
    }

    [Fact]
    public void Windows_style_IPCP_with_NBNS_is_rejected_then_nakked_to_the_pool_address()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.IpcpRequest = [new(3, [0, 0, 0, 0]), new(129, [0, 0, 0, 0]), new(130, [0, 0, 0, 0]), new(131, [0, 0, 0, 0]), new(132, [0, 0, 0, 0])];
        lac.StartTunnel(); h.Pump(); lac.StartSession(); h.Pump();
        PppPacket reject = lac.Ipcp.First(p => p.Code == (byte)PppCode.ConfigureReject);
        Assert.True(PppOption.TryParseAll(reject.Data, out var rejected));
        Assert.Equal([130, 132], rejected.Select(o => (int)o.Type));
        Assert.Contains(lac.Ipcp, p => p.Code == (byte)PppCode.ConfigureNak);
        Assert.Equal(IPAddress.Parse("10.20.0.2"), lac.Address);
    }

    [Fact]
    public void Sequenced_data_is_carried_and_stale_data_dropped()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.SequenceData = true;
        lac.StartTunnel(); h.Pump(); lac.StartSession(); h.Pump();
        Assert.NotNull(lac.Address);
        byte[] up = Harness.Ipv4(lac.Address!, IPAddress.Parse("192.168.1.50"), [1, 2, 3]);
        lac.SendIp(up);
        h.Pump();
        Assert.Single(h.IpFromClients);
        // A data message with an Ns older than one already taken is dropped.
        byte[] frame = PppFrame.Build(PppProtocol.Ip, up);
        h.Server.HandleDatagram(lac.Endpoint, L2tpHeader.EncodeData(lac.ServerTunnelId, lac.ServerSessionId, 0, frame));
        Assert.Equal(1, h.Server.Counters[L2tpCounter.DataOutOfOrder]);
        // The server's own data messages carry Ns once Sequencing Required was in the ICCN.
        h.Server.SendIpPacket(lac.Address!, Harness.Ipv4(IPAddress.Parse("192.168.1.50"), lac.Address!, [4]));
        Assert.True(h.Server.TryDequeueOutgoing(out L2tpDatagram? d));
        Assert.True(L2tpHeader.TryParse(d!.Payload, out L2tpHeader header, out _, out _));
        Assert.True(header.HasSequence);
    }

    [Fact]
    public void A_spoofed_source_address_is_dropped()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        lac.SendIp(Harness.Ipv4(IPAddress.Parse("10.20.0.99"), IPAddress.Parse("192.168.1.50"), [1]));
        h.Pump();
        Assert.Empty(h.IpFromClients);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.SpoofedSource]);
    }

    [Fact]
    public void A_wrong_password_gets_CHAP_failure_then_LCP_terminate_and_a_CDN()
    {
        var h = new Harness();
        TestLac lac = h.Connect(password: "wrong");
        Assert.True(lac.ChapFailed);
        Assert.False(lac.ChapSucceeded);
        string failure = System.Text.Encoding.ASCII.GetString(lac.Chap.Single(p => p.Code == 4).Data);
        Assert.StartsWith("E=691 R=0 C=", failure);
        Assert.True(lac.TerminateRequested);
        Assert.True(lac.HasType(MessageType.Cdn));
        Assert.Null(lac.Address);
        Assert.Empty(h.Events.OfType<L2tpClientConnected>());
        Assert.Single(h.Events.OfType<L2tpSessionDown>());
        Assert.Equal(0, h.Pool.LeasedCount);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.AuthFailures]);
    }

    [Fact]
    public void An_unknown_user_fails_like_a_wrong_password()
    {
        var h = new Harness();
        TestLac lac = h.Connect(user: "mallory", password: "x");
        Assert.True(lac.ChapFailed);
        Assert.True(lac.TerminateRequested);
    }

    [Fact]
    public void Two_clients_at_once_get_distinct_addresses_and_their_own_packets()
    {
        var h = new Harness();
        TestLac alice = h.Connect();
        TestLac bob = h.Connect("bob", "bobPass22", tunnelId: 0x1111);
        Assert.NotNull(alice.Address);
        Assert.NotNull(bob.Address);
        Assert.NotEqual(alice.Address, bob.Address);
        Assert.Equal(2, h.Server.TunnelCount);
        h.Server.SendIpPacket(bob.Address!, Harness.Ipv4(IPAddress.Parse("192.168.1.5"), bob.Address!, [9]));
        h.Pump();
        Assert.Empty(alice.IpPackets);
        Assert.Single(bob.IpPackets);
        Assert.Equal(["alice", "bob"], h.Events.OfType<L2tpClientConnected>().Select(e => e.UserName));
        var listed = h.Server.Sessions().OrderBy(s => s.UserName).ToList();
        Assert.Equal(["alice", "bob"], listed.Select(s => s.UserName));
        Assert.Equal([alice.Address, bob.Address], listed.Select(s => s.Address));
        Assert.All(listed, s => Assert.Equal(("connected", "lac"), (s.Phase, s.HostName)));
    }

    [Fact]
    public void A_CDN_from_the_client_frees_the_address()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        IPAddress address = lac.Address!;
        Assert.True(h.Pool.IsLeased(address));
        lac.SendControl(MessageType.Cdn, w => w.Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(3, 0, null)).U16(AvpType.AssignedSessionId, lac.SessionId), lac.ServerSessionId);
        h.Pump();
        Assert.False(h.Pool.IsLeased(address));
        var down = Assert.Single(h.Events.OfType<L2tpSessionDown>());
        Assert.Equal(address, down.Address);
        Assert.Equal(0, h.Server.SessionCount);
        Assert.False(h.Server.SendIpPacket(address, Harness.Ipv4(IPAddress.Parse("192.168.1.5"), address, [1])));
        // The tunnel stays for another call.
        Assert.Equal(1, h.Server.TunnelCount);
    }

    [Fact]
    public void A_StopCCN_from_the_client_frees_the_address_and_the_tunnel_after_the_linger()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        IPAddress address = lac.Address!;
        lac.SendControl(MessageType.StopCcn, w => w.U16(AvpType.AssignedTunnelId, lac.TunnelId).Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(1, 0, null)));
        h.Pump();
        Assert.False(h.Pool.IsLeased(address));
        Assert.Single(h.Events.OfType<L2tpSessionDown>());
        Assert.Equal(1, h.Server.TunnelCount); // kept to acknowledge a retransmitted StopCCN (§5.7)
        h.Advance(TimeSpan.FromSeconds(32), TimeSpan.FromSeconds(4));
        Assert.Equal(0, h.Server.TunnelCount);
    }

    [Fact]
    public void A_client_that_reconnects_after_a_disconnect_gets_the_freed_address_again()
    {
        var h = new Harness();
        TestLac first = h.Connect();
        IPAddress address = first.Address!;
        h.Server.Disconnect(h.Events.OfType<L2tpClientConnected>().Single().Session, "admin");
        h.Pump();
        Assert.True(first.TerminateRequested);
        Assert.True(first.HasType(MessageType.Cdn));
        Assert.False(h.Pool.IsLeased(address));
        TestLac second = h.Connect("bob", "bobPass22", tunnelId: 0x3333);
        Assert.Equal(address, second.Address);
    }

    [Fact]
    public void The_server_answers_LCP_echo_requests()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        lac.SendPppPacket(PppProtocol.Lcp, PppCode.EchoRequest, [0xA1, 0xB2, 0xC3, 0xD4, 1, 2, 3]);
        h.Pump();
        PppPacket reply = lac.Lcp.Last();
        Assert.Equal((byte)PppCode.EchoReply, reply.Code);
        Assert.Equal([1, 2, 3], reply.Data[4..]);
    }
}

/// <summary>The client ending PPP itself, as Windows does on disconnect before its CDN.</summary>
public class ClientTerminateTests
{
    [Fact]
    public void LCP_Terminate_Request_from_the_client_is_acknowledged_and_ends_the_session_after_the_Restart_timer()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        IPAddress address = lac.Address!;
        lac.SendPppPacket(PppProtocol.Lcp, PppCode.TerminateRequest, []);
        h.Pump();
        Assert.Equal((byte)PppCode.TerminateAck, lac.Lcp.Last().Code);
        Assert.False(lac.HasType(MessageType.Cdn));
        h.Advance(TimeSpan.FromSeconds(4));
        Assert.True(lac.HasType(MessageType.Cdn));
        Assert.False(h.Pool.IsLeased(address));
        Assert.Contains("Terminate-Request", Assert.Single(h.Events.OfType<L2tpSessionDown>()).Reason);
    }

    [Fact]
    public void A_Protocol_Reject_of_IPCP_by_the_client_ends_the_link()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        lac.SendPppPacket(PppProtocol.Lcp, PppCode.ProtocolReject, [0x80, 0x21, 1, 1, 0, 4]);
        h.Pump();
        // RXJ- in Opened: IPCP goes to Stopping (its Terminate-Requests go unanswered), finishes, and LCP closes.
        Assert.False(lac.TerminateRequested);
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.True(lac.TerminateRequested);
        Assert.True(lac.HasType(MessageType.Cdn));
        Assert.Equal(0, h.Pool.LeasedCount);
    }
}

/// <summary>The option sets the built-in clients send, as far as they are known from their documentation and captures.</summary>
public class ClientProfileTests
{
    [Fact]
    public void A_Windows_like_LCP_request_with_callback_and_multilink_options_still_connects()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.LcpRequest =
        [
            new(1, [0x05, 0x78]), new(5, [0x11, 0x22, 0x33, 0x44]), new(7, []), new(8, []), new(13, [6]),
            new(17, [0x06, 0x4E]), new(19, [1, 0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        ];
        lac.IpcpRequest = [new(3, [0, 0, 0, 0]), new(129, [0, 0, 0, 0]), new(130, [0, 0, 0, 0]), new(131, [0, 0, 0, 0]), new(132, [0, 0, 0, 0])];
        lac.StartTunnel(); h.Pump(); lac.StartSession(); h.Pump();
        PppPacket reject = lac.Lcp.First(p => p.Code == (byte)PppCode.ConfigureReject);
        Assert.True(PppOption.TryParseAll(reject.Data, out var rejected));
        Assert.Equal([13, 17, 19], rejected.Select(o => (int)o.Type));
        Assert.NotNull(lac.Address);
        Assert.Equal(Harness.Dns1, lac.Dns1);
        // Windows asks for MPPE (CCP) after authentication: rejected, the link stays.
        lac.SendPppPacket(PppProtocol.Ccp, PppCode.ConfigureRequest, [0x12, 0x06, 0x01, 0x00, 0x00, 0x60]);
        h.Pump();
        Assert.Equal([PppProtocol.Ccp], lac.ProtocolsRejected);
        Assert.Single(h.Events.OfType<L2tpClientConnected>());
        Assert.Equal(1400, h.Events.OfType<L2tpClientConnected>().Single().PeerMru);
    }
}

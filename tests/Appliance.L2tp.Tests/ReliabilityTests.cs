using System.Net;
using Appliance.L2tp.L2tp;

namespace Appliance.L2tp.Tests;

/// <summary>RFC 2661 §5.8 under loss, duplication and reordering of control messages, with a fake clock.</summary>
public class ReliabilityTests
{
    private static bool IsControl(byte[] d) => (d[0] & 0x80) != 0;
    private static bool IsZlb(byte[] d) => IsControl(d) && d.Length == L2tpHeader.ControlHeaderSize;

    [Fact]
    public void Lost_server_messages_are_retransmitted_and_the_client_still_connects()
    {
        var h = new Harness();
        int controlSeen = 0;
        // Drop the first copy of every other non-ZLB control message from the server (SCCRP, ICRP, ...).
        h.ToClient = d => IsControl(d) && !IsZlb(d) && controlSeen++ % 2 == 0 ? [] : [d];
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        Assert.False(lac.HasType(MessageType.Sccrp));
        h.Advance(TimeSpan.FromSeconds(3));
        Assert.True(lac.HasType(MessageType.Sccrp));
        lac.StartSession();
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.NotNull(lac.Address);
        Assert.True(h.Server.Counters[L2tpCounter.Retransmissions] >= 1);
    }

    [Fact]
    public void Lost_client_messages_are_retransmitted_by_the_client_and_duplicates_are_acknowledged_once_processed()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        byte[] sccrq = lac.Outbox.Peek();
        h.Pump();
        ushort tunnels = (ushort)h.Server.TunnelCount;
        // The LAC did not see our ZLB/SCCRP and sends its SCCRQ again: same tunnel, a ZLB, no second SCCRP.
        int sccrps = lac.Control.Count(m => m.Type == MessageType.Sccrp);
        h.Server.HandleDatagram(lac.Endpoint, sccrq);
        Assert.Equal(tunnels, (ushort)h.Server.TunnelCount);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.DuplicateControl]);
        Assert.True(h.Server.TryDequeueOutgoing(out L2tpDatagram? ack));
        Assert.True(IsZlb(ack!.Payload));
        h.Pump();
        Assert.Equal(sccrps, lac.Control.Count(m => m.Type == MessageType.Sccrp));
    }

    [Fact]
    public void Duplicated_datagrams_both_ways_do_not_disturb_the_exchange()
    {
        var h = new Harness();
        // Control messages only: PPP over the data channel assumes a link that does not duplicate (RFC 1661 §1).
        h.ToServer = d => IsControl(d) ? [d, d] : [d];
        h.ToClient = d => IsControl(d) ? [d, d] : [d];
        TestLac lac = h.Connect();
        Assert.NotNull(lac.Address);
        Assert.Equal(1, h.Server.SessionCount);
        Assert.True(h.Server.Counters[L2tpCounter.DuplicateControl] > 0);
    }

    [Fact]
    public void Reordered_client_messages_are_held_and_processed_in_order()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        // SCCCN (Ns 1) went out during the pump; now ICRQ (Ns 2) and a HELLO (Ns 3) arrive in reverse order.
        lac.StartSession();
        lac.SendControl(MessageType.Hello);
        byte[] icrq = lac.Outbox.Dequeue(), hello = lac.Outbox.Dequeue();
        h.Server.HandleDatagram(lac.Endpoint, hello);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.EarlyControlHeld]);
        Assert.Equal(0, h.Server.SessionCount);
        h.Server.HandleDatagram(lac.Endpoint, icrq);
        Assert.Equal(1, h.Server.SessionCount);
        h.Pump();
        Assert.True(lac.HasType(MessageType.Icrp));
        Assert.NotNull(lac.Address);
    }

    [Fact]
    public void A_message_beyond_the_receive_window_is_dropped()
    {
        var h = new Harness();
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        lac.Ns += 20;
        lac.SendControl(MessageType.Hello);
        h.Pump();
        Assert.Equal(1, h.Server.Counters[L2tpCounter.ControlOutsideWindow]);
    }

    [Fact]
    public void Retransmissions_back_off_then_give_up_and_tear_the_tunnel_down_freeing_addresses()
    {
        var h = new Harness();
        TestLac lac = h.Connect();
        IPAddress address = lac.Address!;
        // The client vanishes; an administrative disconnect ends PPP (Terminate-Request, unanswered) and sends a CDN.
        var times = new List<DateTimeOffset>();
        h.ToClient = d => { if (IsControl(d) && !IsZlb(d)) times.Add(h.Time.GetUtcNow()); return []; };
        h.Server.Disconnect(h.Events.OfType<L2tpClientConnected>().Single().Session, "admin");
        h.Pump();
        h.Advance(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.Equal(0, h.Server.TunnelCount);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.TunnelsGivenUp]);
        Assert.Equal(6, times.Count); // the CDN and 5 retransmissions
        double[] gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 8], gaps.Select(g => Math.Round(g * 4) / 4));
        Assert.False(h.Pool.IsLeased(address));
        Assert.Single(h.Events.OfType<L2tpSessionDown>());
    }

    [Fact]
    public void A_silent_client_gets_HELLOs_and_is_given_up_when_it_never_acknowledges()
    {
        var h = new Harness(options: o => o with { HelloInterval = TimeSpan.FromSeconds(10) });
        TestLac lac = h.Connect();
        IPAddress address = lac.Address!;
        lac.AutoAck = false;
        h.ToClient = _ => [];
        h.Advance(TimeSpan.FromSeconds(80), TimeSpan.FromSeconds(1));
        Assert.Equal(0, h.Server.TunnelCount);
        Assert.False(h.Pool.IsLeased(address));
        Assert.Contains("stopped acknowledging", Assert.Single(h.Events.OfType<L2tpSessionDown>()).Reason);
    }

    [Fact]
    public void HELLO_acknowledged_keeps_the_tunnel()
    {
        var h = new Harness(options: o => o with { HelloInterval = TimeSpan.FromSeconds(10) });
        TestLac lac = h.Connect();
        h.Advance(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        Assert.Equal(1, h.Server.TunnelCount);
        Assert.True(lac.Control.Count(m => m.Type == MessageType.Hello) >= 5);
    }

    [Fact]
    public void The_server_sends_no_more_than_the_peer_window_unacknowledged()
    {
        var h = new Harness(options: o => o with { MaxSessionsPerTunnel = 8 });
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        // Six ICRQs in one go: six ICRPs are due, the LAC's Receive Window Size is 4.
        for (ushort i = 0; i < 6; i++)
            lac.SendControl(MessageType.Icrq, w => w.U16(AvpType.AssignedSessionId, (ushort)(100 + i)).U32(AvpType.CallSerialNumber, i));
        List<byte[]> Deliver()
        {
            var sent = new List<byte[]>();
            while (lac.Outbox.TryDequeue(out byte[]? d)) h.Server.HandleDatagram(lac.Endpoint, d);
            while (h.Server.TryDequeueOutgoing(out L2tpDatagram? d)) if (!IsZlb(d!.Payload)) sent.Add(d.Payload);
            return sent;
        }
        Assert.Equal(4, Deliver().Count);
        lac.Nr += 4;
        lac.SendZlb();
        Assert.Equal(2, Deliver().Count);
    }
}

public class ControlQueueBoundTests
{
    [Fact]
    public void A_peer_that_never_acknowledges_cannot_grow_the_reply_queue_without_end()
    {
        var h = new Harness(options: o => o with { MaxSessionsPerTunnel = 1 });
        TestLac lac = h.AddClient();
        lac.StartTunnel();
        h.Pump();
        lac.AutoAck = false;
        h.ToClient = _ => [];
        // Each ICRQ beyond the first gets a CDN; none is acknowledged (Nr stays), so they queue behind the window.
        for (int i = 0; i < Appliance.L2tp.L2tp.ControlChannel.MaxWaiting + 10; i++)
            lac.SendControl(Appliance.L2tp.L2tp.MessageType.Icrq, w => w.U16(Appliance.L2tp.L2tp.AvpType.AssignedSessionId, (ushort)(i + 1))
                .U32(Appliance.L2tp.L2tp.AvpType.CallSerialNumber, (uint)i));
        h.Pump();
        Assert.Equal(1, h.Server.TunnelCount);
        h.Server.Tick();
        Assert.Equal(0, h.Server.TunnelCount);
        Assert.Equal(1, h.Server.Counters[L2tpCounter.TunnelsGivenUp]);
    }
}

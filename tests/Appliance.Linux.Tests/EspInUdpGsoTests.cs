using System.Net;
using Appliance.Linux.Tests.Harness;
using static Appliance.Linux.Tests.Harness.Packets;

namespace Appliance.Linux.Tests;

/// <summary>
/// ESP-in-UDP (RFC 3948) on the data plane's own connected 4500 sockets, which share the port with the host's IKE
/// socket (SO_REUSEPORT): UDP GSO trains out, UDP GRO trains in; IKE from the peer still reaches the host,
/// keepalives are ignored, replays dropped.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class EspInUdpGsoTests(BoxTopology topo)
{
    private static readonly IPEndPoint NatTA = new(BoxTopology.WanA, 4500), NatTB = new(BoxTopology.WanB, 4500);

    /// <summary>Installs UDP-encapsulated SAs (the hosts' sockets already bound, as IKE's are) and waits for the own sockets.</summary>
    private static void InstallAndWait(BoxPair pair)
    {
        pair.Install(TestSas.Pair(20, 256, 0, udp: true));
        Assert.True(Eventually(() => pair.A.EspInUdpSockets == 1 && pair.B.EspInUdpSockets == 1),
            $"own sockets: A {pair.A.EspInUdpSockets}, B {pair.B.EspInUdpSockets}");
    }

    [Fact]
    public void Ping_and_tcp_cross_both_ways_in_gso_and_gro_trains_without_the_host_socket()
    {
        using var pair = new BoxPair(topo);
        using var hostA = new Udp4500Host(topo.BoxA, BoxTopology.WanA, pair.A, share: true);
        using var hostB = new Udp4500Host(topo.BoxB, BoxTopology.WanB, pair.B, share: true);
        InstallAndWait(pair);
        using var wan = new WanCapture(topo.BoxA, "wan0");

        BoxPair.PingAndTcpBothWays(topo, 20);
        var inB = pair.B.Counters.Sas.Values.Single();
        var inA = pair.A.Counters.Sas.Values.Single();
        Assert.True(inB.BytesIn > 15_000_000 && inA.BytesIn > 15_000_000, $"bytes in: B {inB.BytesIn}, A {inA.BytesIn}");
        // Both directions went as trains (GSO on the sender, GRO on the receiver), none through the hosts.
        Assert.True(pair.A.Counters.UdpGsoSegmentsSent > 1000 && pair.B.Counters.UdpGsoSegmentsSent > 1000,
            $"GSO: A {pair.A.Counters.UdpGsoSegmentsSent}, B {pair.B.Counters.UdpGsoSegmentsSent}");
        Assert.True(pair.A.Counters.UdpGroSegmentsReceived > 1000 && pair.B.Counters.UdpGroSegmentsReceived > 1000,
            $"GRO: A {pair.A.Counters.UdpGroSegmentsReceived}, B {pair.B.Counters.UdpGroSegmentsReceived}");
        Assert.Equal(0, hostA.EspSent + hostB.EspSent);
        foreach (var dp in new[] { pair.A, pair.B })
        {
            Assert.Equal(0, dp.Counters.Drops(DataPlaneDropReason.Replay));
            Assert.Equal(0, dp.Counters.Drops(DataPlaneDropReason.TooOld));
            Assert.Equal(0, dp.Counters.Drops(DataPlaneDropReason.AuthenticationFailed));
        }
        Assert.Equal(0, wan.Count("ip proto 50"));
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
        Assert.True(wan.Count("udp port 4500") >= 6, wan.Dump());
    }

    [Fact]
    public void Replays_are_dropped_keepalives_ignored_and_ike_reaches_the_host()
    {
        using var pair = new BoxPair(topo);
        using var hostA = new Udp4500Host(topo.BoxA, BoxTopology.WanA, pair.A, share: true);
        using var hostB = new Udp4500Host(topo.BoxB, BoxTopology.WanB, pair.B, share: true);
        InstallAndWait(pair);
        List<byte[]> captured;
        using (var wan = new WanCapture(topo.BoxB, "wan0"))
        {
            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
            wan.Stop();
            // UDP payloads (after the 8-byte header) to B's 4500 that are ESP, not keepalives.
            captured = ReadPcap(wan.File, 17, BoxTopology.WanB).Select(u => u[8..]).Where(p => p.Length > 8).ToList();
        }
        Assert.True(captured.Count >= 3, $"captured {captured.Count}");
        var sa = pair.B.Counters.Sas.Values.Single();
        long before = sa.PacketsIn;

        // From A's 4500 (the host's socket): the peer B's own socket is connected to exactly this endpoint.
        foreach (var esp in captured) hostA.Send(esp, NatTB);
        Assert.True(Eventually(() => pair.B.Counters.Drops(DataPlaneDropReason.Replay) == captured.Count),
            $"replay drops {pair.B.Counters.Drops(DataPlaneDropReason.Replay)} of {captured.Count}");
        Assert.Equal(before, sa.PacketsIn);

        long drops = pair.B.Counters.DropsByReason.Values.Sum();
        hostA.Send([0xFF], NatTB);
        byte[] ike = new byte[4 + 28];
        for (int i = 4; i < ike.Length; i++) ike[i] = (byte)i; // non-ESP marker, then a (fake) IKE header
        hostA.Send(ike, NatTB);

        Assert.True(Eventually(() => { lock (hostB.IkeReceived) return hostB.IkeReceived.Count == 1; }), "IKE message not handed to the host");
        var (local, remote, message) = hostB.IkeReceived[0];
        Assert.Equal(NatTB, local);
        Assert.Equal(NatTA, remote);
        Assert.Equal(ike[4..], message);
        Assert.Equal(0, hostB.IkeOnOwnSocket); // it came through the data plane's socket, which now owns the peer's datagrams
        Assert.Equal(drops, pair.B.Counters.DropsByReason.Values.Sum()); // the keepalive is no drop
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1).Ok);
    }

    [Fact]
    public void While_ike_sees_the_peer_moved_the_host_socket_sends_and_afterwards_the_own_socket_again()
    {
        using var pair = new BoxPair(topo);
        using var hostA = new Udp4500Host(topo.BoxA, BoxTopology.WanA, pair.A, share: true);
        using var hostB = new Udp4500Host(topo.BoxB, BoxTopology.WanB, pair.B, share: true);
        InstallAndWait(pair);

        pair.A.EspInUdpPeerMoved(NatTB, moved: true);
        Thread.Sleep(300); // the UDP worker applies it
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);
        long viaHost = hostA.EspSent;
        pair.A.EspInUdpPeerMoved(NatTB, moved: false);
        Thread.Sleep(300);
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 2).Ok);

        Assert.True(viaHost >= 2, $"sent through the host while moved: {viaHost}");
        Assert.Equal(viaHost, hostA.EspSent);
    }
}

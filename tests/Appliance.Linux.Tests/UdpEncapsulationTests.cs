using Appliance.Linux.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Linux.Tests;

/// <summary>
/// ESP-in-UDP (RFC 3948) through the host's UDP 4500 socket, and NAT keepalives: the path when the host's socket
/// does not share the port (no SO_REUSEPORT), so the data plane cannot open its own.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class UdpEncapsulationTests(BoxTopology topo)
{
    [Fact]
    public void Udp_encapsulated_esp_carries_ping_both_ways_and_keepalives_go_every_20_s()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T12:00:00Z"));
        using var pair = new BoxPair(topo, timeA: time);
        using var hostA = new Udp4500Host(topo.BoxA, BoxTopology.WanA, pair.A);
        using var hostB = new Udp4500Host(topo.BoxB, BoxTopology.WanB, pair.B);
        pair.Install(TestSas.Pair(udp: true));
        using var wan = new WanCapture(topo.BoxA, "wan0");

        var (aToB, outAB) = BoxPair.Ping(topo.HostA, "10.2.0.2");
        var (bToA, outBA) = BoxPair.Ping(topo.HostB, "10.1.0.2");
        Assert.Equal(0, hostA.KeepalivesSent);
        time.Advance(TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromSeconds(20));

        Assert.True(aToB, outAB);
        Assert.True(bToA, outBA);
        Assert.Equal(0, pair.A.EspInUdpSockets);
        Assert.True(hostA.EspSent >= 6, $"host A sent {hostA.EspSent} ESP packets");
        Assert.Equal(2, hostA.KeepalivesSent);
        Assert.Equal([new System.Net.IPEndPoint(BoxTopology.WanB, 4500)], pair.A.NatKeepaliveTargets);
        Assert.True(wan.Count("udp port 4500 and greater 100") >= 12, wan.Dump());
        Assert.Equal(0, wan.Count("ip proto 50"));
        Assert.Equal(0, wan.Count("net 10.0.0.0/8"));
    }
}

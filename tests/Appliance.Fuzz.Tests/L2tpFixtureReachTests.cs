using Appliance.Fuzz.Harnesses;
using Appliance.L2tp;

namespace Appliance.Fuzz.Tests;

/// <summary>The L2TP and PPP seeds are worth fuzzing from only if they reach the states they were written for.</summary>
public class L2tpFixtureReachTests
{
    [Fact]
    public void The_seed_transcript_connects_a_client_and_carries_its_IP_packet()
    {
        var time = new SteppedTime();
        using L2tpServer server = L2tpFixture.NewServer(time);
        var events = new List<L2tpEvent>();
        int ipPackets = 0;
        foreach (byte[] d in L2tpFixture.Transcript().Where(d => d.Length > 0))
        {
            server.HandleDatagram(L2tpFixture.Peer, d);
            while (server.TryDequeueOutgoing(out _)) { }
            while (server.TryDequeueEvent(out L2tpEvent? e)) events.Add(e!);
            while (server.TryDequeueIpPacket(out _)) ipPackets++;
        }
        Assert.Single(events.OfType<L2tpClientConnected>());
        Assert.Single(events.OfType<L2tpSessionDown>());
        Assert.Equal(1, ipPackets);
    }

    [Fact]
    public void The_PPP_seeds_reach_the_network_phase_except_the_wrong_password()
    {
        byte[][] seeds = new PppHarness().Seeds().ToArray();
        Assert.True(PppHarness.RunToAddress(seeds[0]));
        Assert.True(PppHarness.RunToAddress(seeds[1]));
        Assert.False(PppHarness.RunToAddress(seeds[2]));
    }
}

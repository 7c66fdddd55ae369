using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Ipsec;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// A local-service tunnel (TunnelPolicy.LocalService, L2TP/IPsec, issue #16) at boxB: its transport-mode SA carries UDP to port
/// 1701 of a server inside the process, not to the kernel. boxA plays the client with an ordinary transport-mode SA and a
/// kernel UDP socket on 1701. The service's client addresses (10.3.0.0/24) are reached from the LAN and from the box itself
/// through ServicePacketOut, and answered through InjectServicePacket.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class LocalServiceTests(BoxTopology topo)
{
    private static readonly IPNetwork Pool = IPNetwork.Parse("10.3.0.0/24");

    private static DataPlaneOptions ServiceOptions() =>
        new("wan0", "lan0", [new TunnelPolicy("a", [BoxTopology.LanB], [Pool], [], false) { LocalService = true }])
        {
            LocalSource = IPAddress.Parse("10.2.0.1"),
        };

    [Fact]
    public void Datagrams_to_the_service_port_travel_inside_the_transport_sa_both_ways_and_never_in_clear()
    {
        var optionsA = BoxTopology.OptionsA() with { EnableTransportMode = true };
        using var pair = new BoxPair(topo, optionsA, ServiceOptions());
        var received = new ConcurrentQueue<(IPEndPoint Peer, ushort Port, string Text)>();
        pair.B.ServiceDatagramReceived = (peer, port, payload) =>
        {
            string text = Encoding.ASCII.GetString(payload);
            received.Enqueue((peer, port, text));
            pair.B.SendServiceDatagram(peer, port, Encoding.ASCII.GetBytes("pong " + text));
        };
        // AES-CBC-256 with HMAC-SHA1-96: what the Windows L2TP/IPsec client's Quick Mode proposes.
        pair.Install(TestSas.Pair(12, 256, 2, mode: IpsecMode.Transport, spiAToB: 0x7A000011, spiBToA: 0x7B000011));
        using var wan = new WanCapture(topo.BoxA, "wan0");

        string answer = NetNs.Run(topo.BoxA, () =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            client.Bind(new IPEndPoint(BoxTopology.WanA, 1701));
            client.ReceiveTimeout = 3000;
            var buffer = new byte[512];
            for (int attempt = 0; ; attempt++)
            {
                client.SendTo(Encoding.ASCII.GetBytes("ping"), new IPEndPoint(BoxTopology.WanB, 1701));
                try { return Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)); }
                catch (SocketException) when (attempt < 2) { }
            }
        });

        Assert.Equal("pong ping", answer);
        var (peer, port, text) = Assert.Single(received.Distinct());
        Assert.Equal("ping", text);
        Assert.Equal(1701, port);
        Assert.Equal(BoxTopology.WanA, peer.Address);
        Assert.Equal(0, wan.Count("udp port 1701"));
        Assert.True(wan.Count("ip proto 50") >= 2, wan.Dump());
        var sa = pair.B.Counters.Sas.Values.Single();
        Assert.True(sa.PacketsIn >= 1 && sa.PacketsOut >= 1, $"in {sa.PacketsIn} out {sa.PacketsOut}");
        // No kernel socket serves the port: L2TP without IPsec reaches nothing.
        Assert.DoesNotContain(":1701", NetNs.ShOk($"ip netns exec {topo.BoxB} ss -uln"));
    }

    [Fact]
    public void The_lan_and_the_box_reach_the_service_clients_addresses_only_through_the_service()
    {
        using var pair = new BoxPair(topo, BoxTopology.OptionsA(), ServiceOptions());
        int requests = 0;
        // The service's client at 10.3.0.5 answers every echo request it is handed.
        pair.B.ServicePacketOut = packet =>
        {
            if (packet.Length < 28 || packet[9] != IpProtocol.Icmp || packet[20] != 8) return;
            Interlocked.Increment(ref requests);
            byte[] reply = EchoReply(packet);
            pair.B.InjectServicePacket(reply);
        };

        var (fromLan, lanOutput) = BoxPair.Ping(topo.HostB, "10.3.0.5");
        var (fromBox, boxOutput) = BoxPair.Ping(topo.BoxB, "10.3.0.5", extra: "-I 10.2.0.1");

        Assert.True(fromLan, lanOutput);
        Assert.True(fromBox, boxOutput);
        Assert.True(Volatile.Read(ref requests) >= 6, $"{requests} requests reached the service");
        // A client packet to somewhere outside the service's LAN side (another tunnel, the internet) is not carried.
        byte[] stray = EchoReply(EchoRequest(IPAddress.Parse("198.51.100.7"), IPAddress.Parse("10.3.0.5")));
        long before = pair.B.Counters.Drops(DataPlaneDropReason.PolicyDiscard);
        Assert.False(pair.B.InjectServicePacket(stray));
        Assert.Equal(before + 1, pair.B.Counters.Drops(DataPlaneDropReason.PolicyDiscard));
    }

    [Fact]
    public void A_service_client_reaches_hq_through_the_site_tunnel_that_holds_the_pool_and_hq_answers_it_through_the_service()
    {
        // The pool is in the site tunnel's selectors on both sides (the operator added it to LocalTs, HQ routes it back).
        var optionsA = new DataPlaneOptions("wan0", "lan0", [new TunnelPolicy("b", [BoxTopology.LanA], [BoxTopology.LanB, Pool], [], false)]);
        var optionsB = new DataPlaneOptions("wan0", "lan0",
        [
            new TunnelPolicy("a", [BoxTopology.LanB, Pool], [BoxTopology.LanA], [], false),
            new TunnelPolicy("l2tp", [BoxTopology.LanB], [Pool], [], false) { LocalService = true },
        ]);
        using var pair = new BoxPair(topo, optionsA, optionsB);
        var (a, b) = TestSas.Pair(spiAToB: 0x7A000021, spiBToA: 0x7B000021);
        pair.Install((a with { RemoteTs = [BoxTopology.LanB, Pool] }, b with { LocalTs = [BoxTopology.LanB, Pool] }));
        var replies = new ConcurrentQueue<byte[]>();
        pair.B.ServicePacketOut = packet =>
        {
            if (packet.Length >= 28 && packet[9] == IpProtocol.Icmp && packet[20] == 0) replies.Enqueue(packet.ToArray());
        };
        byte[] request = EchoRequest(IPAddress.Parse("10.3.0.5"), IPAddress.Parse("10.1.0.2"));
        InternetChecksum.WriteIPv4HeaderChecksum(request);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(22), InternetChecksum.Compute(request.AsSpan(20)));

        for (int i = 0; i < 3; i++)
        {
            Assert.True(pair.B.InjectServicePacket(request.ToArray()));
            Thread.Sleep(300);
        }

        Assert.True(replies.Count >= 3, $"{replies.Count} echo replies from HQ's host reached the service");
        Assert.All(replies, r => Assert.Equal(IPAddress.Parse("10.1.0.2"), new IPAddress(r.AsSpan(12, 4))));
        var site = pair.B.Counters.Sas.Single(s => s.Key.InboundSpi == 0x7A000021).Value;
        Assert.True(site.PacketsOut >= 3 && site.PacketsIn >= 3, $"site SA out {site.PacketsOut} in {site.PacketsIn}");
    }

    private static byte[] EchoRequest(IPAddress source, IPAddress destination)
    {
        var packet = new byte[28];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 28);
        packet[8] = 64;
        packet[9] = IpProtocol.Icmp;
        source.TryWriteBytes(packet.AsSpan(12), out _);
        destination.TryWriteBytes(packet.AsSpan(16), out _);
        packet[20] = 8;
        return packet;
    }

    /// <summary>The echo reply to an IPv4 echo request: addresses swapped, type 0, both checksums recomputed.</summary>
    private static byte[] EchoReply(ReadOnlySpan<byte> request)
    {
        int total = BinaryPrimitives.ReadUInt16BigEndian(request[2..]);
        byte[] reply = request[..total].ToArray();
        request[12..16].CopyTo(reply.AsSpan(16));
        request[16..20].CopyTo(reply.AsSpan(12));
        reply[8] = 64;
        InternetChecksum.WriteIPv4HeaderChecksum(reply);
        reply[20] = 0;
        reply[22] = reply[23] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(22), InternetChecksum.Compute(reply.AsSpan(20)));
        return reply;
    }
}

using System.Net;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// A remote-access tunnel (TunnelPolicy.PerClient, issue #15): several Child SAs of one tunnel, each with its negotiated
/// (narrowed) selectors, carry traffic side by side; the packet's addresses pick the SA. Here hostA's two addresses play two
/// clients' virtual IPs, and both boxes hold one SA pair per address.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class PerClientTunnelTests(BoxTopology topo)
{
    private static readonly IPNetwork Client1 = IPNetwork.Parse("10.1.0.2/32"), Client2 = IPNetwork.Parse("10.1.0.3/32");

    private static (SaInstall A, SaInstall B) Narrowed(IPNetwork client, uint spiAToB, uint spiBToA)
    {
        var (a, b) = TestSas.Pair(spiAToB: spiAToB, spiBToA: spiBToA);
        return (a with { LocalTs = [client] }, b with { RemoteTs = [client] });
    }

    private static (DataPlaneOptions A, DataPlaneOptions B) PerClient() =>
        (BoxTopology.OptionsA() with { Tunnels = [new TunnelPolicy("b", [BoxTopology.LanA], [BoxTopology.LanB], [], false) { PerClient = true }] },
         BoxTopology.OptionsB() with { Tunnels = [new TunnelPolicy("a", [BoxTopology.LanB], [BoxTopology.LanA], [], false) { PerClient = true }] });

    [Fact]
    public void Two_child_sas_with_narrowed_selectors_carry_traffic_side_by_side()
    {
        NetNs.ShOk($"ip -n {topo.HostA} addr add 10.1.0.3/24 dev eth0");
        try
        {
            var (optionsA, optionsB) = PerClient();
            using var pair = new BoxPair(topo, optionsA, optionsB);
            pair.Install(Narrowed(Client1, 0x0A0B0001, 0x0B0A0001));
            pair.Install(Narrowed(Client2, 0x0A0B0002, 0x0B0A0002));

            var (ok1, out1) = BoxPair.Ping(topo.HostA, "10.2.0.2", extra: "-I 10.1.0.2");
            var (ok2, out2) = BoxPair.Ping(topo.HostA, "10.2.0.2", extra: "-I 10.1.0.3");
            Assert.True(ok1, out1);
            Assert.True(ok2, out2);
            // Each client's packets went out and came back on its own SA, at the box serving the clients.
            var sas = pair.B.Counters.Sas;
            Assert.Equal(2, sas.Count);
            Assert.All(sas.Values, sa => Assert.True(sa.PacketsIn >= 3 && sa.PacketsOut >= 3, $"in {sa.PacketsIn} out {sa.PacketsOut}"));

            // The first client leaves: its SA goes, the other keeps working, and nothing is sent for the first any more.
            pair.A.RemoveSa(0x0B0A0001, 0x0A0B0001);
            pair.B.RemoveSa(0x0A0B0001, 0x0B0A0001);
            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", extra: "-I 10.1.0.3").Ok);
            long noSaBefore = pair.B.Counters.Drops(DataPlaneDropReason.NoSa);
            Assert.False(BoxPair.Ping(topo.HostB, "10.1.0.2", count: 2).Ok);
            Assert.True(pair.B.Counters.Drops(DataPlaneDropReason.NoSa) > noSaBefore);
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.HostA} addr del 10.1.0.3/24 dev eth0");
        }
    }

    [Fact]
    public void A_rekey_replaces_only_the_sa_with_the_same_selectors()
    {
        NetNs.ShOk($"ip -n {topo.HostA} addr add 10.1.0.3/24 dev eth0");
        try
        {
            var (optionsA, optionsB) = PerClient();
            using var pair = new BoxPair(topo, optionsA, optionsB);
            pair.Install(Narrowed(Client1, 0x0A0B0001, 0x0B0A0001));
            pair.Install(Narrowed(Client2, 0x0A0B0002, 0x0B0A0002));
            // Client 1's SA is rekeyed: the new pair takes over its selectors, the old one is removed.
            pair.Install(Narrowed(Client1, 0x0A0B0011, 0x0B0A0011));
            pair.A.RemoveSa(0x0B0A0001, 0x0A0B0001);
            pair.B.RemoveSa(0x0A0B0001, 0x0B0A0001);

            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", extra: "-I 10.1.0.2").Ok);
            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", extra: "-I 10.1.0.3").Ok);
            var sas = pair.B.Counters.Sas;
            Assert.True(sas.Single(s => s.Key.InboundSpi == 0x0A0B0011).Value.PacketsIn >= 3);
            Assert.True(sas.Single(s => s.Key.InboundSpi == 0x0A0B0002).Value.PacketsIn >= 3);
        }
        finally
        {
            NetNs.Sh($"ip -n {topo.HostA} addr del 10.1.0.3/24 dev eth0");
        }
    }
}

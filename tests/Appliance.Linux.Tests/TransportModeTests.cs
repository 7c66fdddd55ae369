using Appliance.Ipsec;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// Transport mode host to host between the two boxes (their own WAN addresses as selectors): ping
/// and TCP from boxA to boxB travel as ESP or AH in transport mode, never in clear, also once the
/// data planes are gone.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class TransportModeTests(BoxTopology topo)
{
    [Theory]
    [InlineData(SaProtocol.Esp, 20, 128, 0, "ip proto 50")]
    [InlineData(SaProtocol.Esp, 12, 256, 12, "ip proto 50")]
    [InlineData(SaProtocol.Ah, 0, 0, 12, "ip proto 51")]
    public void Box_to_box_traffic_is_protected_in_transport_mode(SaProtocol protocol, int encr, int keyBits, int integ, string wire)
    {
        var options = BoxTopology.OptionsA() with { EnableTransportMode = true };
        var optionsB = BoxTopology.OptionsB() with { EnableTransportMode = true };
        using (var pair = new BoxPair(topo, options, optionsB))
        {
            pair.Install(TestSas.Pair(encr, keyBits, integ, protocol: protocol, mode: IpsecMode.Transport,
                spiAToB: 0x7A000001, spiBToA: 0x7B000001));
            using var wan = new WanCapture(topo.BoxA, "wan0");

            var (ok, output) = BoxPair.Ping(topo.BoxA, "192.0.2.2");
            NetNs.ShOk($"ip netns exec {topo.BoxB} iperf3 -s -1 -D -B 192.0.2.2");
            Thread.Sleep(300);
            string tcp = NetNs.ShOk($"ip netns exec {topo.BoxA} iperf3 -c 192.0.2.2 -n 2M");

            Assert.True(ok, output);
            Assert.Contains("receiver", tcp);
            Assert.Equal(0, wan.Count("icmp or tcp"));
            Assert.True(wan.Count(wire) >= 6, wan.Dump());
            var sa = pair.A.Counters.Sas.Values.Single();
            Assert.True(sa.PacketsOut >= 3 && sa.PacketsIn >= 3, $"out {sa.PacketsOut} in {sa.PacketsIn}");
        }

        // The data planes are gone (the TUN devices with them): the blackhole keeps box traffic off the wire.
        using var after = new WanCapture(topo.BoxA, "wan0");
        Assert.False(BoxPair.Ping(topo.BoxA, "192.0.2.2", count: 2).Ok);
        Assert.Equal(0, after.Count("icmp"));
    }
}

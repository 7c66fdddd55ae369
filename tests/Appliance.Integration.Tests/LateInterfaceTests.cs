using System.Text.Json;
using Appliance.Integration.Tests.Harness;

namespace Appliance.Integration.Tests;

/// <summary>
/// The shipped binary started before its LAN NIC exists (a USB adapter, a slow driver at boot — the arm64 VM
/// test saw "network interface 'eth1' not found" abort the service): IKE brings the tunnel up meanwhile, status
/// says what is missing, and once the NIC appears the data plane starts and the LAN reaches HQ.
/// </summary>
public sealed class LateInterfaceTests
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    [Fact]
    public void Lan_nic_that_appears_after_start_gets_the_data_plane()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        Netns.Exec(topo.Box, "ip", "link", "set", "lan0", "down");
        Netns.Exec(topo.Box, "ip", "link", "set", "lan0", "name", "lanlate");
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk));

        Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(30)), "tunnel not up:\n" + box.Log);
        using (JsonDocument status = box.Status())
            Assert.Equal("waiting for network interface lan0", status.RootElement.GetProperty("faults").GetProperty("interfaces").GetString());
        Assert.Contains("Network interface lan0 not present yet", box.Log);
        Assert.DoesNotContain("data plane started", box.Log);

        Netns.Exec(topo.Box, "ip", "link", "set", "lanlate", "name", "lan0");
        Netns.Exec(topo.Box, "ip", "link", "set", "lan0", "up");
        Assert.True(Shell.WaitUntil(() => box.Log.Contains("data plane started"), TimeSpan.FromSeconds(10)), "no data plane:\n" + box.Log);
        Assert.True(Shell.WaitUntil(() => Netns.Try(topo.LanHost, "ping", "-c", "1", "-W", "2", HqTopology.HqHostAddress).ExitCode == 0,
            TimeSpan.FromSeconds(20)), "the LAN does not reach HQ:\n" + box.Log);
        using (JsonDocument status = box.Status())
            Assert.False(status.RootElement.GetProperty("faults").TryGetProperty("interfaces", out _), box.StatusText());
        Assert.DoesNotContain("Unhandled exception", box.Log);
        Assert.False(box.Process.HasExited);
    }
}

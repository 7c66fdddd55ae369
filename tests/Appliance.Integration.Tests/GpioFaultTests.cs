using System.Text.Json;
using Appliance.Integration.Tests.Harness;

namespace Appliance.Integration.Tests;

/// <summary>
/// The shipped binary with a hardware board profile on a machine whose GPIO it cannot use (this build
/// host has no Raspberry Pi chip): the tunnel still comes up, and `appliance status` and the log say why
/// the LEDs and the reset button do not work — the service used to abort at start and be restarted forever.
/// The VM system test covers the other half (the chip becomes usable and the fault clears).
/// </summary>
public sealed class GpioFaultTests
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    [Fact]
    public void Unusable_gpio_is_a_reported_fault_and_the_tunnel_comes_up()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        string config = HqTopology.BoxConfig(Ike, Esp, Psk);
        Assert.Contains("\"Board\": \"simulated\"", config);
        using var box = new ApplianceProcess(topo.Box, config.Replace("\"Board\": \"simulated\"", "\"Board\": \"rpi4\"", StringComparison.Ordinal));

        Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(30)), "tunnel not up:\n" + box.Log);
        using (JsonDocument status = box.Status())
        {
            string fault = status.RootElement.GetProperty("faults").GetProperty("gpio").GetString()!;
            Assert.StartsWith("GPIO unavailable, LEDs and reset button do not work: ", fault);
            // No UART either (no /dev/serial0 here) on an unlocked box: provisioning cannot work, also a fault, also not fatal.
            Assert.StartsWith("console UART not found", status.RootElement.GetProperty("faults").GetProperty("console").GetString());
            Assert.Equal("Fault", status.RootElement.GetProperty("condition").GetString());
        }
        Assert.Contains("fault: gpio: GPIO unavailable", box.StatusText());
        Assert.Contains(" 0% packet loss", Netns.Try(topo.LanHost, "ping", "-c", "3", "-W", "5", HqTopology.HqHostAddress).StdOut);

        // Logged once, although the chip is retried every 10 s.
        Thread.Sleep(TimeSpan.FromSeconds(12));
        Assert.Equal(1, box.Log.Split('\n').Count(l => l.Contains("GPIO unavailable (", StringComparison.Ordinal)));
        Assert.DoesNotContain("Unhandled exception", box.Log);
        Assert.False(box.Process.HasExited, "the service exited:\n" + box.Log);
    }
}

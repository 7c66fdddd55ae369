using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// What a technician types on the box, judged by strongSwan: `appliance down` closes the tunnel at HQ and it stays down
/// (no restart, no trap), `appliance up` brings it back, `appliance rekey [--ike]` makes new SAs that carry traffic.
/// </summary>
public sealed class OperatorCommandTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";

    private static Shell.Result Cli(ApplianceProcess box, params string[] args) =>
        Shell.Run(ApplianceProcess.Binary, [.. args, "--socket", box.ControlSocket]);

    private static int ChildSasInstalled(ApplianceProcess box) =>
        Regex.Matches(box.Log, "Child SA [0-9a-f]{8}_i [0-9a-f]{8}_o installed").Count;

    [Fact]
    public void DownStaysDown_UpBringsItBack_RekeyMakesNewSas()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        // Start: always implies DpdAction restart: a tunnel that went down by itself would be reopened after 1 s.
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk, start: "always"),
            "--Appliance:Ike:RestartDelay=00:00:01");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");

            var down = Cli(box, "down", "hq");
            Assert.True(down.ExitCode == 0, down.All);
            Assert.Contains("stays down", down.StdOut);
            Assert.True(Shell.WaitUntil(() => !hq.ListSas().Contains("ESTABLISHED"), TimeSpan.FromSeconds(10)), "HQ still has the SA: " + hq.ListSas());
            Assert.Contains("received DELETE for IKE_SA", hq.Log);
            // Several restart delays later, and with traffic for the tunnel: still down, and nothing leaked.
            var ping = Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.5", "-W", "1", HqTopology.HqHostAddress);
            Assert.NotEqual(0, ping.ExitCode);
            Thread.Sleep(2000);
            Assert.DoesNotContain("ESTABLISHED", hq.ListSas());
            Assert.Equal("Down", IkeInteropTests.Health(box));
            Assert.Contains("hq: Down, no IKE SA (taken down: `appliance up hq` opens it)", box.StatusText());
            Assert.DoesNotContain("re-initiating in", box.Log);

            var up = Cli(box, "up", "hq");
            Assert.True(up.ExitCode == 0, up.All);
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "`up` did not bring the tunnel back");
            Assert.Equal(0, Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress).ExitCode);

            int before = ChildSasInstalled(box);
            var rekey = Cli(box, "rekey", "hq");
            Assert.True(rekey.ExitCode == 0, rekey.All);
            Assert.True(Shell.WaitUntil(() => ChildSasInstalled(box) > before, TimeSpan.FromSeconds(10)), "no new Child SA after `rekey`:\n" + box.Log);
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("deleted (rekeyed)"), TimeSpan.FromSeconds(10)), "the old Child SA was not deleted:\n" + box.Log);

            var rekeyIke = Cli(box, "rekey", "--ike", "hq");
            Assert.True(rekeyIke.ExitCode == 0, rekeyIke.All);
            Assert.True(Shell.WaitUntil(() => Regex.IsMatch(box.Log, "IKE SA [0-9a-f]{16} of 'hq' rekeyed to"), TimeSpan.FromSeconds(10)),
                "no IKE SA rekey after `rekey --ike`:\n" + box.Log);
            Assert.Equal(0, Netns.Try(topo.LanHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress).ExitCode);
            Assert.Contains("INSTALLED", hq.ListSas());

            var unknown = Cli(box, "up", "nosuch");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("no tunnel named 'nosuch'", unknown.StdErr);
            var usage = Shell.Run(ApplianceProcess.Binary, "down");
            Assert.Equal(2, usage.ExitCode);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }
}

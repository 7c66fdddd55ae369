using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The box against Debian's strongSwan 5.9.8 (the reference HQ peer) in network namespaces, using the
/// published NativeAOT binary. strongSwan's own `swanctl --list-sas` is the judge of success.
/// </summary>
public sealed class IkeInteropTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret";

    public static TheoryData<string, string, string, string> Suites => new()
    {
        // box IKE proposal, box ESP proposal, strongSwan's name of the IKE suite, of the ESP suite
        { "aes256gcm16-prfsha256-curve25519", "aes256gcm16", "AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519", "AES_GCM_16-256" },
        { "aes128-sha256-modp2048", "chacha20poly1305", "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", "CHACHA20_POLY1305" },
        { "aes128-sha256-modp2048", "aes256gcm16", "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", "AES_GCM_16-256" },
        { "aes256gcm16-prfsha384-ecp384", "aes128-sha256", "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384", "AES_CBC-128/HMAC_SHA2_256_128" },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void BoxInitiates_StrongSwanShowsEstablishedAndInstalled(string ike, string esp, string swanIke, string swanEsp)
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk, start: "always"));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)),
                "strongSwan never installed the Child SA");
            AssertEstablished(hq.ListSas(), swanIke, swanEsp, boxIsInitiator: true);
            AssertBoxStatus(box, established: true);
        }
        finally { Dump(box, hq); }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void StrongSwanInitiates_BoxResponds(string ike, string esp, string swanIke, string swanEsp)
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk, start: "none"));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(15)), "the box did not start");
            var r = hq.TryInitiate("net");
            Assert.True(r.ExitCode == 0, "swanctl --initiate failed: " + r.All);
            AssertEstablished(hq.ListSas(), swanIke, swanEsp, boxIsInitiator: false);
            AssertBoxStatus(box, established: true);
        }
        finally { Dump(box, hq); }
    }

    [Fact]
    public void ResponderOnlyTunnelWithAnyRemoteAcceptsHq()
    {
        const string ike = "aes256gcm16-prfsha256-curve25519", esp = "aes256gcm16";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk, start: "none", remote: "%any"));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(15)), "the box did not start");
            var r = hq.TryInitiate("net");
            Assert.True(r.ExitCode == 0, "swanctl --initiate failed: " + r.All);
            AssertEstablished(hq.ListSas(), "AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519", "AES_GCM_16-256", boxIsInitiator: false);
        }
        finally { Dump(box, hq); }
    }

    [Fact]
    public void WrongPsk_FailsCleanlyOnBothSides_BoxInitiates()
    {
        const string ike = "aes256gcm16-prfsha256-curve25519", esp = "aes256gcm16";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, "the HQ secret"));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, "a different secret", start: "always"));
        try
        {
            Assert.True(Shell.WaitUntil(() => Health(box) == "AuthFailed", TimeSpan.FromSeconds(20)),
                "the box did not report AuthFailed");
            Assert.DoesNotContain("ESTABLISHED", hq.ListSas());
            // strongSwan: MAC mismatch, no further keys. Its log is read as it comes: the box can report the failure first.
            Assert.True(Shell.WaitUntil(() => hq.Log.Contains("tried 1 shared key"), TimeSpan.FromSeconds(10)), hq.Log);
            Assert.True(!box.Process.HasExited, "the box must keep running after a failed authentication");
            Assert.DoesNotContain("the HQ secret", box.Log);
            Assert.DoesNotContain("a different secret", box.Log);
        }
        finally { Dump(box, hq); }
    }

    [Fact]
    public void WrongPsk_FailsCleanlyOnBothSides_HqInitiates()
    {
        const string ike = "aes256gcm16-prfsha256-curve25519", esp = "aes256gcm16";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, "the HQ secret"));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, "a different secret", start: "none"));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(15)), "the box did not start");
            var r = hq.TryInitiate("net", timeoutSeconds: 10);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("AUTHENTICATION_FAILED", hq.Log);
            Assert.DoesNotContain("ESTABLISHED", hq.ListSas());
            Assert.True(Shell.WaitUntil(() => Health(box) == "AuthFailed", TimeSpan.FromSeconds(10)), "the box did not report AuthFailed");
        }
        finally { Dump(box, hq); }
    }

    [Fact]
    public void Sigterm_SendsDelete_HqDropsTheSa()
    {
        const string ike = "aes256gcm16-prfsha256-curve25519", esp = "aes256gcm16";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "no SA to delete");
            int exit = box.Stop(TimeSpan.FromSeconds(15));
            Assert.Equal(0, exit);
            Assert.True(Shell.WaitUntil(() => !hq.ListSas().Contains("ESTABLISHED"), TimeSpan.FromSeconds(5)),
                "strongSwan still has the IKE SA after the box stopped");
            Assert.Contains("received DELETE for IKE_SA", hq.Log);
        }
        finally { Dump(box, hq); }
    }

    [Fact]
    public void StatusCli_ReadsLikeSwanctl()
    {
        const string ike = "aes256gcm16-prfsha256-curve25519", esp = "aes256gcm16";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(ike, esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(ike, esp, Psk));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up");
            Assert.True(Shell.WaitUntil(() => Health(box) == "Up", TimeSpan.FromSeconds(5)), "box not Up");
            string text = box.StatusText();
            output.WriteLine(text);
            Assert.Matches(@"hq: #1, ESTABLISHED, IKEv2, [0-9a-f]{16}_i\* [0-9a-f]{16}_r", text);
            Assert.Contains($"remote '{HqTopology.HqId}' @ {HqTopology.HqWan}", text);
            Assert.Contains("INSTALLED", text);
            Assert.Contains($"local  {HqTopology.BoxSubnet}", text);
            Assert.Contains($"remote {HqTopology.HqSubnet}", text);
            // The SPIs the box shows are the ones strongSwan installed, mirrored.
            var swan = hq.ListSas();
            var hqIn = Regex.Match(swan, @"in  ([0-9a-f]{8}),");
            var hqOut = Regex.Match(swan, @"out ([0-9a-f]{8}),");
            Assert.True(hqIn.Success && hqOut.Success, swan);
            Assert.Contains($"SPIs: {hqOut.Groups[1].Value}_i {hqIn.Groups[1].Value}_o", text);
            // The LEDs (simulated board) tell the same story: the tunnel LED steady, the condition "all tunnels up".
            Assert.True(Shell.WaitUntil(() => box.StatusText().Contains("all tunnels up"), TimeSpan.FromSeconds(5)), box.StatusText());
            Assert.Contains("VPN=On", box.StatusText());
            using var json = JsonDocument.Parse(box.StatusText(json: true));
            Assert.Equal("hq", json.RootElement.GetProperty("tunnels")[0].GetProperty("name").GetString());
        }
        finally { Dump(box, hq); }
    }

    private static void AssertEstablished(string sas, string swanIke, string swanEsp, bool boxIsInitiator)
    {
        Assert.Contains("box: #", sas);
        Assert.Contains("ESTABLISHED, IKEv2", sas);
        Assert.Contains(swanIke, sas);
        Assert.Contains("INSTALLED", sas);
        Assert.Contains($"ESP:{swanEsp}", sas);
        Assert.Contains($"local  {HqTopology.HqSubnet}", sas);
        Assert.Contains($"remote {HqTopology.BoxSubnet}", sas);
        // swanctl marks its own SPI with '*': HQ is the responder when the box initiated.
        Assert.Matches(boxIsInitiator ? @"[0-9a-f]{16}_i [0-9a-f]{16}_r\*" : @"[0-9a-f]{16}_i\* [0-9a-f]{16}_r", sas);
    }

    private static void AssertBoxStatus(ApplianceProcess box, bool established)
    {
        Assert.True(Shell.WaitUntil(() => Health(box) == "Up", TimeSpan.FromSeconds(5)), "box status is not Up: " + box.Request("status"));
        using var status = box.Status();
        var tunnel = status.RootElement.GetProperty("tunnels")[0];
        Assert.Equal(established ? "ESTABLISHED" : "CONNECTING", tunnel.GetProperty("ikeSa").GetProperty("state").GetString());
        Assert.Equal(1, tunnel.GetProperty("childSas").GetArrayLength());
    }

    internal static string? Health(ApplianceProcess box)
    {
        try
        {
            using var status = box.Status();
            return status.RootElement.GetProperty("tunnels")[0].GetProperty("state").GetString();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or JsonException or IOException or KeyNotFoundException)
        {
            return null;
        }
    }

    private void Dump(ApplianceProcess box, StrongSwanPeer hq)
    {
        output.WriteLine("---- appliance ----\n" + box.Log);
        output.WriteLine("---- charon ----\n" + hq.Log);
    }
}

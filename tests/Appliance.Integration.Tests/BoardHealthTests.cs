using System.Text.Json;
using Appliance.Integration.Tests.Harness;

namespace Appliance.Integration.Tests;

/// <summary>
/// The shipped binary on the simulated board: `appliance simulate under-voltage` makes the running service
/// read an under-powered board; `appliance status` (text and --json), the LEDs and the log show it.
/// </summary>
public sealed class BoardHealthTests
{
    private static Shell.Result Cli(ApplianceProcess box, params string[] args) =>
        Shell.Run(ApplianceProcess.Binary, [.. args, "--socket", box.ControlSocket]);

    private static string Flt(JsonDocument status) =>
        status.RootElement.GetProperty("leds").EnumerateArray().Single(l => l.GetProperty("role").GetString() == "Fault").GetProperty("pattern").GetString()!;

    [Fact]
    public void Simulated_under_voltage_reaches_status_leds_and_log_once()
    {
        // No HQ: the tunnel only negotiates, which is all the LEDs need to show something besides health.
        using var topo = new HqTopology();
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig("aes256gcm16-prfsha256-curve25519", "aes256gcm16", "s3cret"));
        Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), "no control socket:\n" + box.Log);
        Assert.True(Shell.WaitUntil(() => box.StatusText().Contains("health: SoC 47.2 °C"), TimeSpan.FromSeconds(10)),
            "no health line:\n" + box.StatusText());
        Assert.Contains("health: SoC 47.2 °C; now: ok; since start: ok; firmware 0x0", box.StatusText());

        var sag = Cli(box, "simulate", "under-voltage");
        Assert.True(sag.ExitCode == 0, sag.All);
        Assert.Contains("simulated board: under-voltage", sag.StdOut);

        // `simulate` polls at once, and the LED loop picks it up within a tick.
        Assert.True(Shell.WaitUntil(() => { using var s = box.Status(); return Flt(s) == "TripleFlash"; }, TimeSpan.FromSeconds(5)),
            "FLT does not show power trouble:\n" + box.StatusText(json: true));
        using (JsonDocument status = box.Status())
        {
            JsonElement health = status.RootElement.GetProperty("health");
            Assert.Equal(["under-voltage", "throttled"], health.GetProperty("now").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["under-voltage", "throttled"], health.GetProperty("alerts").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("0x50005", health.GetProperty("firmwareThrottled").GetString());
            Assert.Equal(47.2, health.GetProperty("temperatureCelsius").GetDouble());
            Assert.Equal("UnderVoltage", status.RootElement.GetProperty("condition").GetString());
        }
        string text = box.StatusText();
        Assert.Contains("health: SoC 47.2 °C; now: under-voltage, throttled; since start: under-voltage, throttled; firmware 0x50005", text);
        Assert.Contains("FLT=TripleFlash", text);
        Assert.Contains("under-voltage: the power supply is too weak", text);

        // The supply recovers: "now" is clear at once, the alert is held (30 s) and logged once each way.
        Assert.Equal(0, Cli(box, "simulate", "normal").ExitCode);
        Assert.Contains("now: ok; since start: under-voltage, throttled; firmware 0x50000", box.StatusText());
        Assert.Equal(1, Count(box.Log, "Board health: under-voltage appeared"));
        Assert.Equal(1, Count(box.Log, "Board health: throttled appeared"));
        Assert.Contains("LEDs: [PWR", box.Log);
        Assert.Contains("[FLT ◐]", box.Log);

        var bad = Cli(box, "simulate", "meltdown");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("usage: appliance simulate normal|under-voltage|overheat", bad.StdErr);
    }

    private static int Count(string log, string what)
    {
        int n = 0;
        for (int i = log.IndexOf(what, StringComparison.Ordinal); i >= 0; i = log.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}

using System.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

/// <summary>The LED service on the simulated board, sampled on the GPIO lines against a fake clock.</summary>
public class LedServiceTests
{
    private sealed class Rig : IDisposable
    {
        public Rig(string board = "simulated", ApplianceState? initial = null)
        {
            Board = new SimulatedBoard(board);
            State = new ApplianceStateHolder(initial);
            Watchdog = new LivenessWatchdog(Time, TimeSpan.FromSeconds(5));
            Leds = new LedService(Board.Profile, Board.Controller, State, Watchdog, Time);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        public SimulatedBoard Board { get; }
        public ApplianceStateHolder State { get; }
        public LivenessWatchdog Watchdog { get; }
        public LedService Leds { get; }

        /// <summary>Ticks now, then every 50 ms, for <paramref name="samples"/> ticks; one string per LED.</summary>
        public Dictionary<LedRole, string> Sample(int samples = 40, bool feed = true)
        {
            var lines = Enum.GetValues<LedRole>().ToDictionary(r => r, _ => new System.Text.StringBuilder());
            for (int k = 0; k < samples; k++)
            {
                if (k > 0) Time.Advance(LedPatternTiming.Tick);
                if (feed) Watchdog.Feed();
                Leds.Tick();
                foreach (LedRole role in lines.Keys)
                    lines[role].Append(Board.IsLit(role) ? '1' : '0');
            }
            return lines.ToDictionary(p => p.Key, p => p.Value.ToString());
        }

        public void Dispose() => Board.Dispose();
    }

    // 2 s at 50 ms per sample, written out by hand from board/LEDS.md.
    private const string Off = "0000000000000000000000000000000000000000";
    private const string On = "1111111111111111111111111111111111111111";
    private const string Slow = "1111111111000000000011111111110000000000";
    private const string Fast = "1100110011001100110011001100110011001100";
    private const string Double = "1111000011110000000000000000000000000000";
    private const string Beat = "1100011000000000000011000110000000000000";
    private const string Triple = "1111000011110000111100000000000000000000";

    public static TheoryData<string, string, string, string, string> States => new()
    {
        // state,                       PWR,    WAN, VPN,  FLT
        { "booting",                    Slow,   Off, Off,  Off },
        { "no WAN link",                Beat,   Off, Off,  Off },
        { "no tunnel configured",       Beat,   On,  Off,  Off },
        { "negotiating",                Beat,   On,  Fast, Off },
        { "all tunnels up",             Beat,   On,  On,   Off },
        { "some tunnels down",          Beat,   On,  Slow, Off },
        { "authentication failed",      Beat,   On,  Slow, Double },
        { "peer unreachable",           Beat,   On,  Slow, Slow },
        { "provisioning mode",          Double, Off, Off,  Off },
        { "factory reset armed",        Beat,   Off, Off,  Fast },
        { "fault",                      Beat,   On,  On,   On },
        { "under-voltage",              Beat,   On,  On,   Triple },
    };

    private static void Enter(ApplianceStateHolder s, string state)
    {
        if (state == "booting") return;
        s.MarkBooted();
        if (state == "no WAN link") return;
        if (state == "provisioning mode") { s.SetProvisioningMode(true); return; }
        s.SetWanLink(true);
        switch (state)
        {
            case "no tunnel configured": s.SetTunnel("hq", TunnelState.NotConfigured); break;
            case "negotiating": s.SetTunnel("hq", TunnelState.Negotiating); break;
            case "all tunnels up": s.SetTunnel("hq", TunnelState.Up); s.SetTunnel("dc", TunnelState.Up); break;
            case "some tunnels down": s.SetTunnel("hq", TunnelState.Up); s.SetTunnel("dc", TunnelState.Down); break;
            case "authentication failed": s.SetTunnel("hq", TunnelState.AuthFailed); break;
            case "peer unreachable": s.SetTunnel("hq", TunnelState.PeerUnreachable); break;
            case "factory reset armed": s.SetTunnel("hq", TunnelState.Up); s.SetResetArmed(true); break;
            case "fault": s.SetTunnel("hq", TunnelState.Up); s.RaiseFault("ike", "UDP 500 socket closed"); break;
            case "under-voltage": s.SetTunnel("hq", TunnelState.Up); s.SetHealth(BoardHealthFlags.UnderVoltage); break;
            default: throw new ArgumentOutOfRangeException(nameof(state), state, null);
        }
    }

    [Theory]
    [MemberData(nameof(States))]
    public void Each_state_shows_its_pattern_on_the_lines(string state, string pwr, string wan, string vpn, string flt)
    {
        using var rig = new Rig();
        Enter(rig.State, state);

        Dictionary<LedRole, string> seen = rig.Sample();

        Assert.Equal(pwr, seen[LedRole.Power]);
        Assert.Equal(wan, seen[LedRole.Wan]);
        Assert.Equal(vpn, seen[LedRole.Tunnel]);
        Assert.Equal(flt, seen[LedRole.Fault]);
    }

    [Fact]
    public void Active_low_leds_drive_the_line_low_to_light()
    {
        using var rig = new Rig("cm4");
        Enter(rig.State, "all tunnels up");
        rig.Sample(1);

        LedDefinition vpn = rig.Board.Profile.Led(LedRole.Tunnel);
        LedDefinition flt = rig.Board.Profile.Led(LedRole.Fault);
        Assert.Equal(PinValue.Low, rig.Board.Driver.GetLevel(vpn.Pin));  // lit
        Assert.Equal(PinValue.High, rig.Board.Driver.GetLevel(flt.Pin)); // dark
        Assert.Equal(PinMode.Output, rig.Board.Driver.GetMode(vpn.Pin));
    }

    [Fact]
    public void The_heartbeat_stops_when_the_host_stops_feeding_the_watchdog()
    {
        using var rig = new Rig();
        Enter(rig.State, "all tunnels up");
        Assert.Equal(Beat, rig.Sample()[LedRole.Power]);

        rig.Time.Advance(TimeSpan.FromSeconds(5)); // The host's loop hangs: no more feeds.
        Dictionary<LedRole, string> hung = rig.Sample(feed: false);

        Assert.Equal(On, hung[LedRole.Power]);
        Assert.Equal(On, hung[LedRole.Fault]);
        Assert.Equal(ApplianceCondition.ServiceHung, rig.Leds.GetLeds().Condition);

        Dictionary<LedRole, string> recovered = rig.Sample(feed: true);
        Assert.Equal(Beat, recovered[LedRole.Power]);
        Assert.Equal(Off, recovered[LedRole.Fault]);
    }

    [Fact]
    public void A_new_pattern_starts_from_its_beginning()
    {
        using var rig = new Rig();
        Enter(rig.State, "negotiating");
        rig.Sample(7); // Part-way through a blink.

        rig.State.SetTunnel("hq", TunnelState.PeerUnreachable);
        Assert.Equal(Slow, rig.Sample()[LedRole.Fault]);
    }

    [Fact]
    public void Snapshot_names_each_led_its_colour_pattern_and_level()
    {
        using var rig = new Rig();
        Enter(rig.State, "negotiating");
        rig.Sample(3); // t = 100 ms: fast blink is in its dark half.

        LedSnapshot snapshot = rig.Leds.GetLeds();

        Assert.Equal(ApplianceCondition.Negotiating, snapshot.Condition);
        Assert.Equal("online, tunnels negotiating", snapshot.Description);
        Assert.Equal(rig.Time.GetUtcNow(), snapshot.At);
        Assert.Equal(
            [
                new LedReading("PWR", LedRole.Power, LedColour.Green, LedPattern.Heartbeat, false),
                new LedReading("WAN", LedRole.Wan, LedColour.Green, LedPattern.On, true),
                new LedReading("VPN", LedRole.Tunnel, LedColour.Blue, LedPattern.FastBlink, false),
                new LedReading("FLT", LedRole.Fault, LedColour.Red, LedPattern.Off, false),
            ],
            snapshot.Leds);
    }

    [Fact]
    public void Changed_is_raised_only_when_something_changes()
    {
        using var rig = new Rig();
        Enter(rig.State, "all tunnels up");
        var changes = new List<LedSnapshot>();
        rig.Leds.Changed += changes.Add;

        rig.Sample(1);
        int afterFirst = changes.Count;
        // Ticks at 0 (again), 50, ..., 950 ms: the heartbeat's edges at 100 (off), 250 (on) and 350 (off).
        rig.Sample(20);

        Assert.Equal(1, afterFirst);
        Assert.Equal(1 + 3, changes.Count);
    }

    [Fact]
    public async Task The_background_loop_drives_the_leds_on_its_timer()
    {
        using var rig = new Rig();
        Enter(rig.State, "all tunnels up");
        await rig.Leds.StartAsync(CancellationToken.None);
        try
        {
            // The first tick runs at start; the PeriodicTimer on the fake clock drives the rest.
            await WaitUntil(() => rig.Board.IsLit(LedRole.Tunnel));
            Assert.True(rig.Board.IsLit(LedRole.Power)); // Heartbeat starts lit.

            rig.Watchdog.Feed();
            rig.Time.Advance(TimeSpan.FromMilliseconds(150));
            rig.Watchdog.Feed();
            rig.Time.Advance(TimeSpan.FromMilliseconds(50)); // A timer tick at 200 ms: heartbeat is dark.
            await WaitUntil(() => !rig.Board.IsLit(LedRole.Power));
        }
        finally
        {
            await rig.Leds.StopAsync(CancellationToken.None);
        }
        Assert.All(Enum.GetValues<LedRole>(), role => Assert.False(rig.Board.IsLit(role))); // Dark after stop.
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        // Real time only bounds the wait for the loop's continuation; the fake clock decides what happens.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(5);
        }
    }
}

using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

/// <summary>
/// Each Raspberry Pi profile against a fake /sys laid out like that board: every flag set and cleared
/// reaches the appliance state, the status snapshot, the log (one line per change) and the LEDs, at
/// the moments the poll interval and the hold time say, on a fake clock.
/// </summary>
public class BoardHealthTests
{
    public static TheoryData<string> Boards => new() { "rpi4", "rpi5", "cm4" };

    /// <summary>A flag, and how the fake board raises it: the firmware word, the hwmon alarm or the temperature.</summary>
    public static TheoryData<string, string> Flags()
    {
        var data = new TheoryData<string, string>();
        foreach (string board in new[] { "rpi4", "rpi5", "cm4" })
            foreach (string flag in new[] { "under-voltage", "under-voltage-alarm", "frequency-capped", "throttled", "soft-temperature-limit", "hot" })
                data.Add(board, flag);
        return data;
    }

    private sealed class Rig : IDisposable
    {
        public Rig(string board)
        {
            Sys = new FakeBoardSysfs(board);
            State = new ApplianceStateHolder();
            State.MarkBooted();
            State.SetWanLink(true);
            State.SetTunnel("hq", TunnelState.Up);
            Health = new BoardHealthService(Sys.Sensors(), State, Time, Log);
            Gpio = BoardGpio.Simulate(Driver);
            Watchdog = new LivenessWatchdog(Time);
            Leds = new LedService(Sys.Profile, Gpio.Controller, State, Watchdog, Time);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        public FakeBoardSysfs Sys { get; }
        public ApplianceStateHolder State { get; }
        public ListLogger<BoardHealthService> Log { get; } = new();
        public BoardHealthService Health { get; }
        public SimulatedGpioDriver Driver { get; } = new();
        public BoardGpio Gpio { get; }
        public LivenessWatchdog Watchdog { get; }
        public LedService Leds { get; }

        /// <summary>Advances to the next poll, as the service's timer would, and polls.</summary>
        public void NextPoll()
        {
            Time.Advance(Health.PollInterval);
            Health.Poll();
            Watchdog.Feed();
            Leds.Tick();
        }

        public LedPattern Flt => Leds.GetLeds().Leds.Single(l => l.Role == LedRole.Fault).Pattern;

        public void Dispose()
        {
            Gpio.Dispose();
            Sys.Dispose();
        }
    }

    private static BoardHealthFlags Raise(FakeBoardSysfs sys, string how)
    {
        switch (how)
        {
            case "under-voltage": sys.Mailbox.Word = 0x50005; return BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled;
            case "under-voltage-alarm": sys.UnderVoltageAlarm(true); return BoardHealthFlags.UnderVoltage;
            case "frequency-capped": sys.Mailbox.Word = 0x20002; return BoardHealthFlags.FrequencyCapped;
            case "throttled": sys.Mailbox.Word = 0x40004; return BoardHealthFlags.Throttled;
            case "soft-temperature-limit": sys.Mailbox.Word = 0x80008; return BoardHealthFlags.SoftTemperatureLimit;
            case "hot": sys.Temperature(sys.Profile.Health.HotCelsius + 0.5); return BoardHealthFlags.Hot;
            default: throw new ArgumentException(how);
        }
    }

    private static void Clear(FakeBoardSysfs sys)
    {
        // As the firmware does: the "now" bits drop, the "occurred" bits stay.
        sys.Mailbox.Word &= 0xF0000;
        sys.UnderVoltageAlarm(false);
        sys.Temperature(55.0);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Profiles_name_the_raspberry_pi_sensors(string board)
    {
        HealthDefinition health = BoardProfile.Load(board, RepoPaths.BoardRoot).Health;
        Assert.Equal("cpu-thermal", health.ThermalZone);
        Assert.Equal("rpi_volt", health.UnderVoltageHwmon);
        Assert.Equal(new ThrottleSourceDefinition(ThrottleSourceKind.Mailbox, "/dev/vcio"), health.Throttled);
        Assert.Equal(80, health.HotCelsius);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void A_healthy_board_reads_its_temperature_and_shows_nothing(string board)
    {
        using var rig = new Rig(board);
        rig.Health.Poll();
        rig.Leds.Tick();

        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(48.3, h.TemperatureCelsius!.Value, 3);
        Assert.Equal(BoardHealthFlags.None, h.Active | h.Now | h.SinceStart);
        Assert.Equal(0u, h.FirmwareWord);
        Assert.Empty(h.Errors);
        Assert.Equal("thermal zone 'cpu-thermal'", h.Sources["temperature"]);
        Assert.Equal("hwmon 'rpi_volt' in0_lcrit_alarm", h.Sources["underVoltage"]);
        Assert.Equal(LedPattern.Off, rig.Flt);
        Assert.Equal(ApplianceCondition.AllTunnelsUp, rig.Leds.GetLeds().Condition);
        Assert.Empty(rig.Log.Lines);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Each_flag_shows_at_the_first_poll_and_clears_after_the_hold_time(string board, string how)
    {
        using var rig = new Rig(board);
        rig.NextPoll();
        Assert.Equal(LedPattern.Off, rig.Flt);

        BoardHealthFlags expected = Raise(rig.Sys, how);
        // Nothing changes between polls: the sensors are only read on the timer.
        rig.Time.Advance(rig.Health.PollInterval / 2);
        rig.Leds.Tick();
        Assert.Equal(LedPattern.Off, rig.Flt);

        rig.Time.Advance(rig.Health.PollInterval / 2);
        rig.Health.Poll();
        rig.Leds.Tick();
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(expected, h.Now);
        Assert.Equal(expected, h.Active);
        Assert.Equal(expected, rig.State.Current.Health);
        Assert.Equal(LedPattern.TripleFlash, rig.Flt);
        Assert.Equal(BoardHealthFlagNames.IsPowerProblem(expected) ? ApplianceCondition.UnderVoltage : ApplianceCondition.Overheating,
                     rig.Leds.GetLeds().Condition);
        foreach (string name in BoardHealthFlagNames.Names(expected))
            Assert.Single(rig.Log.Lines, l => l.StartsWith($"Warning: Board health: {name} appeared", StringComparison.Ordinal));

        // Still there on later polls: no new log lines.
        int lines = rig.Log.Lines.Count;
        rig.NextPoll();
        rig.NextPoll();
        Assert.Equal(lines, rig.Log.Lines.Count);

        // It goes away: shown for the hold time after the last poll that saw it, then cleared once.
        Clear(rig.Sys);
        TimeSpan hold = BoardHealthTracker.DefaultClearAfter;
        var sinceLastSeen = TimeSpan.Zero;
        while (sinceLastSeen + rig.Health.PollInterval < hold)
        {
            rig.NextPoll();
            sinceLastSeen += rig.Health.PollInterval;
            Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Now);
            Assert.Equal(LedPattern.TripleFlash, rig.Flt);
        }
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Active);
        Assert.Equal(BoardHealthFlags.None, rig.State.Current.Health);
        Assert.Equal(LedPattern.Off, rig.Flt);
        Assert.Equal(ApplianceCondition.AllTunnelsUp, rig.Leds.GetLeds().Condition);
        foreach (string name in BoardHealthFlagNames.Names(expected))
            Assert.Single(rig.Log.Lines, l => l == $"Information: Board health: {name} cleared (not seen for 30 s)");
        Assert.Equal(2 * BoardHealthFlagNames.Names(expected).Count, rig.Log.Lines.Count);

        // What happened stays in "since start".
        Assert.Equal(expected, rig.Health.GetHealth().SinceStart & expected);
        rig.NextPoll();
        Assert.Equal(2 * BoardHealthFlagNames.Names(expected).Count, rig.Log.Lines.Count);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void A_flapping_supply_is_one_episode(string board)
    {
        using var rig = new Rig(board);
        for (int i = 0; i < 20; i++)
        {
            rig.Sys.UnderVoltageAlarm(i % 3 == 0);
            rig.NextPoll();
            Assert.Equal(LedPattern.TripleFlash, rig.Flt);
        }
        Assert.Single(rig.Log.Lines);
        Assert.Contains("under-voltage appeared", rig.Log.Lines[0]);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Firmware_sticky_bits_count_as_since_start_but_are_not_shown_as_now(string board)
    {
        using var rig = new Rig(board);
        rig.Sys.Mailbox.Word = 0x50000; // under-voltage and throttling occurred before the service started
        rig.NextPoll();
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(BoardHealthFlags.None, h.Active);
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, h.SinceStart);
        Assert.Equal(LedPattern.Off, rig.Flt);
        Assert.Empty(rig.Log.Lines);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Hot_has_hysteresis(string board)
    {
        using var rig = new Rig(board);
        double hot = rig.Sys.Profile.Health.HotCelsius;
        rig.Sys.Temperature(hot - 0.1);
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Now);
        rig.Sys.Temperature(hot);
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.Hot, rig.Health.GetHealth().Now);
        // Below the limit but within the hysteresis: still hot.
        rig.Sys.Temperature(hot - BoardHealthTracker.HotHysteresisCelsius + 0.5);
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.Hot, rig.Health.GetHealth().Now);
        rig.Sys.Temperature(hot - BoardHealthTracker.HotHysteresisCelsius - 0.5);
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Now);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Sensors_that_fail_are_reported_and_logged_once_and_their_recovery_too(string board)
    {
        using var rig = new Rig(board);
        rig.Sys.Mailbox.Error = "/dev/vcio: cannot open (No such file or directory)";
        rig.Sys.Write(Path.Combine("sys", "class", "thermal", "thermal_zone0", "temp"), "garbage");
        rig.NextPoll();
        rig.NextPoll();
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Null(h.TemperatureCelsius);
        Assert.Null(h.FirmwareWord);
        Assert.Contains(h.Errors, e => e.Sensor == "temperature" && e.Message.Contains("not a temperature in millidegrees: 'garbage'"));
        Assert.Contains(h.Errors, e => e.Sensor == "throttled" && e.Message.Contains("/dev/vcio"));
        Assert.Equal(2, rig.Log.Lines.Count);
        Assert.Contains("Warning: Board health: cannot read the temperature: not a temperature in millidegrees: 'garbage'", rig.Log.Lines);
        Assert.Equal(LedPattern.Off, rig.Flt);

        // The hwmon alarm still works without the mailbox.
        rig.Sys.UnderVoltageAlarm(true);
        rig.NextPoll();
        Assert.Equal(BoardHealthFlags.UnderVoltage, rig.Health.GetHealth().Active);

        rig.Sys.Mailbox.Error = null;
        rig.Sys.Temperature(50);
        rig.NextPoll();
        rig.NextPoll();
        Assert.Empty(rig.Health.GetHealth().Errors);
        Assert.Contains("Information: Board health: the temperature reads again", rig.Log.Lines);
        Assert.Contains("Information: Board health: the throttled reads again", rig.Log.Lines);
        Assert.Equal(5, rig.Log.Lines.Count);
    }

    [Fact]
    public void Devices_are_found_by_name_whatever_their_number_and_found_again_after_a_driver_reload()
    {
        using var sys = new FakeBoardSysfs("rpi5");
        BoardHealthSensors sensors = sys.Sensors();
        sys.UnderVoltageAlarm(true);
        Assert.True(sensors.Read().UnderVoltageAlarm);

        // raspberrypi-hwmon reloaded: rpi_volt is now hwmon7, the old directory is gone.
        Directory.Delete(Path.Combine(sys.Root, "sys", "class", "hwmon", "hwmon3"), recursive: true);
        sys.Write(Path.Combine("sys", "class", "hwmon", "hwmon7", "name"), "rpi_volt");
        sys.Write(Path.Combine("sys", "class", "hwmon", "hwmon7", "in0_lcrit_alarm"), "0");
        HealthReading lost = sensors.Read();
        Assert.Null(lost.UnderVoltageAlarm);
        Assert.Contains(lost.Errors, e => e.Sensor == "under-voltage alarm");
        HealthReading again = sensors.Read();
        Assert.False(again.UnderVoltageAlarm);
        Assert.Empty(again.Errors);
    }

    [Fact]
    public void A_board_without_the_hwmon_driver_says_so()
    {
        using var sys = new FakeBoardSysfs("rpi4");
        Directory.Delete(Path.Combine(sys.Root, "sys", "class", "hwmon"), recursive: true);
        HealthReading r = sys.Sensors().Read();
        Assert.Null(r.UnderVoltageAlarm);
        Assert.Contains(r.Errors, e => e.Message == "no hwmon named 'rpi_volt' (raspberrypi-hwmon not loaded?)");
        Assert.NotNull(r.TemperatureCelsius);
    }

    [Fact]
    public async Task The_poll_runs_on_the_injected_clock()
    {
        using var rig = new Rig("rpi4");
        await rig.Health.StartAsync(CancellationToken.None);
        // The first poll happens at start; the next only when the fake clock reaches the interval.
        Assert.True(SpinWait.SpinUntil(() => rig.Sys.Mailbox.Reads == 1, TimeSpan.FromSeconds(5)));
        rig.Sys.Mailbox.Word = 0x50005;
        rig.Time.Advance(rig.Health.PollInterval - TimeSpan.FromMilliseconds(1));
        Thread.Sleep(50);
        Assert.Equal(1, rig.Sys.Mailbox.Reads);
        Assert.Equal(BoardHealthFlags.None, rig.State.Current.Health);
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(SpinWait.SpinUntil(() => rig.State.Current.Health != BoardHealthFlags.None, TimeSpan.FromSeconds(5)));
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, rig.State.Current.Health);
        await rig.Health.StopAsync(CancellationToken.None);
    }
}

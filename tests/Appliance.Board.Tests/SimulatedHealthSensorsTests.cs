using Microsoft.Extensions.Time.Testing;

namespace Appliance.Board.Tests;

/// <summary>The simulated board switched to an under-powered or overheating box: the LEDs on its GPIO lines show it.</summary>
public class SimulatedHealthSensorsTests
{
    private sealed class Rig : IDisposable
    {
        public Rig()
        {
            Board = new SimulatedBoard();
            Sensors = new SimulatedHealthSensors(Dir.Combine("simulated-board"), Board.Profile.Health);
            State = new ApplianceStateHolder();
            State.MarkBooted();
            State.SetWanLink(true);
            State.SetTunnel("hq", TunnelState.Up);
            Health = new BoardHealthService(new BoardHealthSensors(Board.Profile.Health, Sensors.Root), State, Time);
            Watchdog = new LivenessWatchdog(Time);
            Leds = new LedService(Board.Profile, Board.Controller, State, Watchdog, Time);
        }

        public TempDir Dir { get; } = new();
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        public SimulatedBoard Board { get; }
        public SimulatedHealthSensors Sensors { get; }
        public ApplianceStateHolder State { get; }
        public BoardHealthService Health { get; }
        public LivenessWatchdog Watchdog { get; }
        public LedService Leds { get; }

        /// <summary>FLT sampled every 50 ms for 2 s, as on the line.</summary>
        public string Flt()
        {
            var seen = new System.Text.StringBuilder();
            for (int k = 0; k < 40; k++)
            {
                if (k > 0) Time.Advance(LedPatternTiming.Tick);
                Watchdog.Feed();
                Leds.Tick();
                seen.Append(Board.IsLit(LedRole.Fault) ? '1' : '0');
            }
            return seen.ToString();
        }

        public void Dispose()
        {
            Board.Dispose();
            Dir.Dispose();
        }
    }

    [Fact]
    public void The_simulated_board_starts_healthy_with_the_same_readers_as_hardware()
    {
        using var rig = new Rig();
        rig.Health.Poll();
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(SimulatedHealthSensors.NormalCelsius, h.TemperatureCelsius);
        Assert.Equal(0u, h.FirmwareWord);
        Assert.Empty(h.Errors);
        Assert.Equal("file /sys/devices/platform/soc/soc:firmware/get_throttled", h.Sources["throttled"]);
        Assert.Equal(new string('0', 40), rig.Flt());
    }

    [Fact]
    public void Under_voltage_lights_the_power_thermal_pattern_and_normal_clears_it_after_the_hold()
    {
        using var rig = new Rig();
        rig.Health.Poll();
        Assert.True(rig.Sensors.Apply("under-voltage"));
        rig.Health.Poll();

        Assert.Equal("1111000011110000111100000000000000000000", rig.Flt());
        Assert.Equal(ApplianceCondition.UnderVoltage, rig.Leds.GetLeds().Condition);
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(0x50005u, h.FirmwareWord);
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, h.Now);

        Assert.True(rig.Sensors.Apply("normal"));
        rig.Health.Poll();
        Assert.Equal(0x50000u, rig.Health.GetHealth().FirmwareWord); // "has occurred" stays, as on a Pi
        Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Now);
        rig.Time.Advance(BoardHealthTracker.DefaultClearAfter);
        rig.Health.Poll();
        Assert.Equal(new string('0', 40), rig.Flt());
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, rig.Health.GetHealth().SinceStart);
    }

    [Fact]
    public void Overheat_is_hot_throttled_and_at_the_soft_limit()
    {
        using var rig = new Rig();
        Assert.True(rig.Sensors.Apply("overheat"));
        rig.Health.Poll();
        BoardHealthSnapshot h = rig.Health.GetHealth();
        Assert.Equal(SimulatedHealthSensors.OverheatCelsius, h.TemperatureCelsius);
        Assert.Equal(BoardHealthFlags.Hot | BoardHealthFlags.Throttled | BoardHealthFlags.FrequencyCapped | BoardHealthFlags.SoftTemperatureLimit, h.Now);
        rig.Leds.Tick();
        Assert.Equal(ApplianceCondition.Overheating, rig.Leds.GetLeds().Condition);
        Assert.Contains("overheating", rig.Leds.GetLeds().Description);
    }

    [Fact]
    public void Unknown_scenarios_change_nothing()
    {
        using var rig = new Rig();
        Assert.False(rig.Sensors.Apply("meltdown"));
        rig.Health.Poll();
        Assert.Equal(BoardHealthFlags.None, rig.Health.GetHealth().Now);
    }
}

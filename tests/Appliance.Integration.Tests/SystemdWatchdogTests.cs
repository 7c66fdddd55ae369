using Appliance.Common;
using Appliance.Systemd;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Integration.Tests;

/// <summary>The service's half of systemd's watchdog: pings only while every watched loop makes progress (no root, no systemd).</summary>
public sealed class SystemdWatchdogTests
{
    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> Sent { get; } = [];
        public bool IsEnabled => true;
        public void Notify(ServiceState state) => Sent.Add(state.ToString());
        public int Pings => Sent.Count(s => s == "WATCHDOG=1");
    }

    private sealed class RecordingLogger : ILogger<SystemdWatchdog>
    {
        public List<string> Errors { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Errors.Add(formatter(state, exception));
        }
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "4242", 30.0)]
    [InlineData("30000000", "4243", null)] // meant for another process (the PID systemd gave is not ours)
    [InlineData(null, null, null)]         // no WatchdogSec= in the unit
    [InlineData("0", null, null)]
    [InlineData("thirty", null, null)]
    [InlineData("-5", null, null)]
    public void Timeout_comes_from_WATCHDOG_USEC_for_our_pid_only(string? usec, string? pid, double? seconds)
    {
        TimeSpan? timeout = SystemdWatchdog.TimeoutFromEnvironment(usec, pid, 4242);
        Assert.Equal(seconds, timeout?.TotalSeconds);
    }

    [Fact]
    public void Pings_at_half_the_timeout_while_every_loop_beats_and_stops_when_one_stalls()
    {
        var time = new FakeTimeProvider();
        var heartbeats = new WorkerHeartbeats();
        var notifier = new RecordingNotifier();
        var logger = new RecordingLogger();
        var dog = new SystemdWatchdog(notifier, heartbeats, () => "all tunnels up", TimeSpan.FromSeconds(30), time, logger);
        Assert.Equal(TimeSpan.FromSeconds(15), dog.PingInterval);
        using var ike = heartbeats.Register("ike-engine");
        using var lan = heartbeats.Register("dp-lan-out");

        // Both loops beat every second: a ping every 15 s, not more often.
        for (int second = 1; second <= 45; second++)
        {
            ike.Beat();
            lan.Beat();
            time.Advance(TimeSpan.FromSeconds(1));
            dog.Step();
        }
        Assert.Equal(3, notifier.Pings);

        // The LAN worker hangs right after a ping: no ping after that, one error naming it.
        for (int second = 1; second <= 60; second++)
        {
            ike.Beat();
            time.Advance(TimeSpan.FromSeconds(1));
            dog.Step();
        }
        Assert.Equal(3, notifier.Pings);
        Assert.Single(logger.Errors);
        Assert.Contains("dp-lan-out", logger.Errors[0]);
        Assert.DoesNotContain("ike-engine", logger.Errors[0]);

        // It recovers (had systemd not restarted us): pings resume.
        for (int second = 1; second <= 30; second++)
        {
            ike.Beat();
            lan.Beat();
            time.Advance(TimeSpan.FromSeconds(1));
            dog.Step();
        }
        Assert.Equal(5, notifier.Pings);
    }

    [Fact]
    public void A_loop_that_ends_on_purpose_is_no_longer_watched()
    {
        var time = new FakeTimeProvider();
        var heartbeats = new WorkerHeartbeats();
        var notifier = new RecordingNotifier();
        var dog = new SystemdWatchdog(notifier, heartbeats, () => "x", TimeSpan.FromSeconds(2), time, NullLogger<SystemdWatchdog>.Instance);
        var transport = heartbeats.Register("dp-transport");
        transport.Beat();
        transport.Dispose();
        for (int i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            dog.Step();
        }
        Assert.Equal(10, notifier.Pings);
        Assert.Empty(heartbeats.Names);
    }

    [Fact]
    public void Without_a_watchdog_only_status_lines_are_sent_and_each_once_per_change()
    {
        var time = new FakeTimeProvider();
        string status = "booting";
        var notifier = new RecordingNotifier();
        var dog = new SystemdWatchdog(notifier, new WorkerHeartbeats(), () => status, null, time, NullLogger<SystemdWatchdog>.Instance);
        for (int i = 0; i < 5; i++) { time.Advance(TimeSpan.FromSeconds(1)); dog.Step(); }
        status = "all tunnels up: PWR heartbeat";
        for (int i = 0; i < 5; i++) { time.Advance(TimeSpan.FromSeconds(1)); dog.Step(); }
        Assert.Equal(["STATUS=booting", "STATUS=all tunnels up: PWR heartbeat"], notifier.Sent);
    }
}

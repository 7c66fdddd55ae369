using Appliance.Common;
using Appliance.Integration.Tests.Harness;
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

    /// <summary>
    /// The published binary speaks sd_notify whenever NOTIFY_SOCKET is set, though its parent is not systemd: under
    /// the shipped unit's ProtectProc=invisible the service cannot see PID 1, Microsoft.Extensions.Hosting.Systemd's
    /// parent-is-systemd check failed there, READY=1 never came and systemd killed the Type=notify start after 90 s.
    /// </summary>
    [Fact]
    public void Published_binary_sends_READY_STATUS_and_WATCHDOG_to_NOTIFY_SOCKET_without_systemd_as_parent()
    {
        using var topo = new HqTopology();
        string dir = Directory.CreateTempSubdirectory("notify-").FullName;
        string path = Path.Combine(dir, "notify.sock");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram,
            System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 1000;
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "2000000" };
        var sent = new List<string>();
        using (var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig("aes256gcm16-prfsha256-curve25519", "aes256gcm16", "a shared secret"), env))
        {
            var buffer = new byte[4096];
            var sw = System.Diagnostics.Stopwatch.StartNew();
            // READY=1, then at least two WATCHDOG=1 (every second at WATCHDOG_USEC=2 s): 20 s is ample.
            while (sw.Elapsed < TimeSpan.FromSeconds(20) && !(sent.Contains("READY=1") && sent.Count(s => s == "WATCHDOG=1") >= 2))
            {
                try { sent.Add(System.Text.Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)).Trim()); }
                catch (System.Net.Sockets.SocketException) { Assert.False(box.Process.HasExited, "the service exited:\n" + box.Log); }
            }
            Assert.True(sent.Contains("READY=1"), $"no READY=1; received [{string.Join(" | ", sent)}]\n{box.Log}");
            Assert.True(sent.Count(s => s == "WATCHDOG=1") >= 2, $"fewer than two WATCHDOG=1; received [{string.Join(" | ", sent)}]");
            Assert.Contains(sent, s => s.StartsWith("STATUS=", StringComparison.Ordinal));
            Assert.Equal(0, box.Stop(TimeSpan.FromSeconds(15)));
            // SIGTERM: the systemd lifetime says STOPPING=1 on the way out.
            socket.ReceiveTimeout = 200;
            try { while (true) sent.Add(System.Text.Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)).Trim()); }
            catch (System.Net.Sockets.SocketException) { }
            Assert.Contains("STOPPING=1", sent);
        }
        Directory.Delete(dir, recursive: true);
    }
}

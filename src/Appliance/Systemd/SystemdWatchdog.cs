using System.Globalization;
using Appliance.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Appliance.Systemd;

/// <summary>
/// The service side of systemd's watchdog (sd_notify WATCHDOG=1) and of its STATUS= line.
/// Microsoft.Extensions.Hosting.Systemd sends READY=1 (once every hosted service started, so after the
/// IKE service queued the tunnels' first IKE_SA_INIT) and STOPPING=1, but never WATCHDOG=1: a unit with
/// WatchdogSec= would be killed every interval. Here WATCHDOG=1 goes out at half of WATCHDOG_USEC only
/// while every watched loop (the IKE engine's timer loop, each data-plane worker) beat since the last ping:
/// a deadlocked engine or a stuck worker withholds it and systemd restarts the service. STATUS= carries
/// the LED state, so `systemctl status appliance` reads like the box's front.
/// </summary>
public sealed class SystemdWatchdog : BackgroundService
{
    /// <summary>How often the STATUS= text is compared with what was last sent.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(1);

    private readonly ISystemdNotifier _notifier;
    private readonly WorkerHeartbeats _heartbeats;
    private readonly Func<string> _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan? _pingInterval;
    private string? _lastStatus;
    private IReadOnlyList<string> _lastStalled = [];
    private long _lastPingCheck;

    public SystemdWatchdog(ISystemdNotifier notifier, WorkerHeartbeats heartbeats, Func<string> status,
        TimeSpan? watchdogTimeout, TimeProvider time, ILogger<SystemdWatchdog> logger)
    {
        _notifier = notifier;
        _heartbeats = heartbeats;
        _status = status;
        _time = time;
        _logger = logger;
        // Ping at half the timeout, as sd_watchdog_enabled(3) advises; never more often than the status check.
        _pingInterval = watchdogTimeout is { } t ? TimeSpan.FromTicks(Math.Max(t.Ticks / 2, StatusInterval.Ticks)) : null;
        _lastPingCheck = time.GetTimestamp();
    }

    /// <summary>
    /// The watchdog timeout systemd asks of this process: WATCHDOG_USEC, when WATCHDOG_PID is absent or names us
    /// (sd_watchdog_enabled's rule). Null when the unit has no WatchdogSec= or the values are not numbers.
    /// </summary>
    public static TimeSpan? TimeoutFromEnvironment(string? usec, string? pid, int ownPid)
    {
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out ulong micros) || micros == 0)
            return null;
        if (pid is not null && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p != ownPid))
            return null;
        return TimeSpan.FromMicroseconds(micros);
    }

    public TimeSpan? PingInterval => _pingInterval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_notifier.IsEnabled) return;
        if (_pingInterval is { } interval)
            _logger.LogInformation("systemd watchdog: WATCHDOG=1 every {Interval} while {Count} loops make progress", interval, _heartbeats.Names.Count);
        while (!stoppingToken.IsCancellationRequested)
        {
            Step();
            try { await Task.Delay(StatusInterval, _time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One check: STATUS= when the LED text changed, WATCHDOG=1 when its interval is due and no loop stalled.</summary>
    public void Step()
    {
        string status = _status();
        if (status != _lastStatus)
        {
            _lastStatus = status;
            _notifier.Notify(new ServiceState("STATUS=" + status.Replace('\n', ' ')));
        }
        if (_pingInterval is not { } interval || _time.GetElapsedTime(_lastPingCheck) < interval) return;
        _lastPingCheck = _time.GetTimestamp();
        IReadOnlyList<string> stalled = _heartbeats.CheckStalled();
        if (stalled.Count == 0)
        {
            if (_lastStalled.Count > 0) _logger.LogWarning("systemd watchdog: every loop makes progress again, pinging");
            _notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
        else if (!stalled.SequenceEqual(_lastStalled))
        {
            _logger.LogError("systemd watchdog: no progress for {Interval} in {Loops}; withholding WATCHDOG=1 so systemd restarts the service",
                interval, string.Join(", ", stalled));
        }
        _lastStalled = stalled;
    }
}

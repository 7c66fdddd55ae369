using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Board;

/// <summary>
/// Reads the board's health sensors every <see cref="PollInterval"/> on the injected clock, puts the
/// held flags into the appliance state (the LEDs show them, see <see cref="LedLanguage"/>) and logs one
/// line when a flag appears or clears and when a sensor stops or starts answering.
/// </summary>
public sealed partial class BoardHealthService : BackgroundService
{
    /// <summary>As often as raspberrypi-hwmon refreshes its alarm; a poll costs two small reads and one mailbox call.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(2);

    private readonly BoardHealthSensors _sensors;
    private readonly BoardHealthTracker _tracker;
    private readonly ApplianceStateHolder _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _started;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private BoardHealthSnapshot _snapshot;

    public BoardHealthService(BoardHealthSensors sensors, ApplianceStateHolder state, TimeProvider time,
                              ILogger<BoardHealthService>? logger = null, TimeSpan? pollInterval = null, TimeSpan? clearAfter = null)
    {
        _sensors = sensors ?? throw new ArgumentNullException(nameof(sensors));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger<BoardHealthService>.Instance;
        PollInterval = pollInterval ?? DefaultPollInterval;
        _tracker = new BoardHealthTracker(sensors.Definition.HotCelsius, clearAfter);
        _started = time.GetTimestamp();
        _snapshot = new BoardHealthSnapshot(null, null, sensors.Definition.HotCelsius, BoardHealthFlags.None,
            BoardHealthFlags.None, BoardHealthFlags.None, null, [], sensors.Sources);
    }

    public TimeSpan PollInterval { get; }

    public BoardHealthSnapshot GetHealth() => Volatile.Read(ref _snapshot);

    /// <summary>One poll; public so tests can step it against a fake clock.</summary>
    public void Poll()
    {
        lock (_lock)
        {
            HealthReading reading = _sensors.Read();
            IReadOnlyList<HealthTransition> changes = _tracker.Update(reading, _time.GetElapsedTime(_started));
            LogSensorChanges(reading.Errors);
            foreach (HealthTransition change in changes)
            {
                string flag = BoardHealthFlagNames.Name(change.Flag);
                if (change.Appeared)
                    LogAppeared(_logger, flag, Celsius(reading.TemperatureCelsius), Word(reading.FirmwareWord));
                else
                    LogCleared(_logger, flag, (int)_tracker.ClearAfter.TotalSeconds);
            }
            Volatile.Write(ref _snapshot, new BoardHealthSnapshot(_time.GetUtcNow(), reading.TemperatureCelsius,
                _sensors.Definition.HotCelsius, _tracker.Active, _tracker.Now, _tracker.SinceStart,
                reading.FirmwareWord, reading.Errors, _snapshot.Sources));
            _state.SetHealth(_tracker.Active);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _time);
        do
        {
            try { Poll(); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Health is advisory: a bug here must not stop the VPN. Sensor I/O errors never get here.
                LogPollFailed(_logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try { return await timer.WaitForNextTickAsync(token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return false; }
    }

    private void LogSensorChanges(IReadOnlyList<SensorError> errors)
    {
        foreach (SensorError error in errors)
            if (_failing.Add(error.Sensor))
                LogSensorFailing(_logger, error.Sensor, error.Message);
        if (_failing.Count == errors.Count) return;
        foreach (string sensor in _failing.ToArray())
        {
            if (errors.Any(e => e.Sensor == sensor)) continue;
            _failing.Remove(sensor);
            LogSensorRecovered(_logger, sensor);
        }
    }

    private static string Celsius(double? t) => t is double c ? $"{c:0.0} °C" : "unknown";

    private static string Word(uint? w) => w is uint v ? $"0x{v:x}" : "unavailable";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Board health: {Flag} appeared (SoC {Temperature}, firmware throttled word {Word})")]
    private static partial void LogAppeared(ILogger logger, string flag, string temperature, string word);

    [LoggerMessage(Level = LogLevel.Information, Message = "Board health: {Flag} cleared (not seen for {Seconds} s)")]
    private static partial void LogCleared(ILogger logger, string flag, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Board health: cannot read the {Sensor}: {Reason}")]
    private static partial void LogSensorFailing(ILogger logger, string sensor, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Board health: the {Sensor} reads again")]
    private static partial void LogSensorRecovered(ILogger logger, string sensor);

    [LoggerMessage(Level = LogLevel.Error, Message = "Board health poll failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Board;

/// <summary>
/// Drives the LEDs: every <see cref="LedPatternTiming.Tick"/> it maps the current state to patterns
/// (<see cref="LedLanguage"/>) and writes the lines whose level changed. The heartbeat on PWR only
/// beats while the <see cref="LivenessWatchdog"/> is fresh, so a hung host shows a steady PWR.
/// </summary>
public sealed partial class LedService : BackgroundService
{
    private readonly IApplianceStateSource _state;
    private readonly LivenessWatchdog _watchdog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GpioController _gpio;
    private readonly LedDefinition[] _leds;
    private readonly LedPattern?[] _patterns;
    private readonly long[] _patternStart;
    private readonly bool?[] _lit;
    private readonly Lock _lock = new();
    private LedSnapshot _snapshot;
    private bool _opened;
    private bool _writeFailed;
    private bool _tickFailing;

    public LedService(BoardProfile profile, GpioController gpio, IApplianceStateSource state,
                      LivenessWatchdog watchdog, TimeProvider time, ILogger<LedService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _gpio = gpio ?? throw new ArgumentNullException(nameof(gpio));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _watchdog = watchdog ?? throw new ArgumentNullException(nameof(watchdog));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger<LedService>.Instance;
        _leds = [.. profile.Leds];
        _patterns = new LedPattern?[_leds.Length];
        _patternStart = new long[_leds.Length];
        _lit = new bool?[_leds.Length];
        _snapshot = new LedSnapshot(
            [.. _leds.Select(l => new LedReading(l.Name, l.Role, l.Colour, LedPattern.Off, false))],
            ApplianceCondition.Booting, time.GetUtcNow());
    }

    /// <summary>Raised from the LED loop whenever a pattern or the condition changes or an LED turns on or off.</summary>
    public event Action<LedSnapshot>? Changed;

    /// <summary>The LEDs now; <see cref="LedSnapshot.At"/> is when they last changed.</summary>
    public LedSnapshot GetLeds() => Volatile.Read(ref _snapshot);

    /// <summary>One step of the LED loop; public so tests can step it against a fake clock.</summary>
    public void Tick()
    {
        LedSnapshot? changed = null;
        lock (_lock)
        {
            // Without a usable chip the patterns are still worked out: status and systemd's STATUS= show them.
            bool pinsReady = TryOpenPins();
            long now = _time.GetTimestamp();
            bool alive = _watchdog.IsFresh;
            ApplianceState state = _state.Current;
            LedPatterns patterns = LedLanguage.Patterns(state, alive);
            bool any = false;
            for (int i = 0; i < _leds.Length; i++)
            {
                LedDefinition led = _leds[i];
                LedPattern pattern = patterns[led.Role];
                if (_patterns[i] != pattern)
                {
                    _patterns[i] = pattern;
                    _patternStart[i] = now; // Start each new pattern from its beginning.
                    any = true;
                }
                bool on = LedPatternTiming.IsOn(pattern, _time.GetElapsedTime(_patternStart[i], now));
                if (pinsReady && _lit[i] != on)
                {
                    // A failed write leaves the level unknown, so the next tick tries again.
                    _lit[i] = Write(led, on) ? on : null;
                    any = true;
                }
            }
            ApplianceCondition condition = LedLanguage.Classify(state, alive);
            // Most ticks change nothing; a snapshot is built only when something did (no garbage per tick).
            if (any || condition != _snapshot.Condition)
            {
                var readings = new LedReading[_leds.Length];
                for (int i = 0; i < _leds.Length; i++)
                    readings[i] = new LedReading(_leds[i].Name, _leds[i].Role, _leds[i].Colour, _patterns[i] ?? LedPattern.Off, _lit[i] == true);
                changed = new LedSnapshot(readings, condition, _time.GetUtcNow());
                Volatile.Write(ref _snapshot, changed);
            }
        }
        if (changed is not null) Changed?.Invoke(changed);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LedPatternTiming.Tick, _time);
        do
        {
            try
            {
                Tick();
                _tickFailing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The LEDs are a convenience: a failing tick must not take the service down,
                // nor flood the log twenty times a second.
                if (!_tickFailing) LogTickFailed(_logger, e);
                _tickFailing = true;
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_opened) return;
            for (int i = 0; i < _leds.Length; i++)
            {
                Write(_leds[i], false);
                _lit[i] = false;
            }
        }
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try { return await timer.WaitForNextTickAsync(token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return false; }
    }

    private bool TryOpenPins()
    {
        if (_opened) return true;
        try
        {
            foreach (LedDefinition led in _leds)
                if (!_gpio.IsPinOpen(led.Pin))
                    _gpio.OpenPin(led.Pin, PinMode.Output, Level(led, on: false));
        }
        catch (IOException)
        {
            return false; // The chip is not usable yet (see DeferredGpioDriver); its owner reports why.
        }
        _opened = true;
        return true;
    }

    private bool Write(LedDefinition led, bool on)
    {
        try
        {
            _gpio.Write(led.Pin, Level(led, on));
            _writeFailed = false;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            if (!_writeFailed) LogWriteFailed(_logger, led.Name, led.Pin, e);
            _writeFailed = true;
            return false;
        }
    }

    private static PinValue Level(LedDefinition led, bool on) => on != led.ActiveLow ? PinValue.High : PinValue.Low;

    [LoggerMessage(Level = LogLevel.Error, Message = "LED tick failed")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot drive the {Led} LED on GPIO {Pin}")]
    private static partial void LogWriteFailed(ILogger logger, string led, int pin, Exception exception);
}

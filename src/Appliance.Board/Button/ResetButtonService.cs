using System.Device.Gpio;
using Appliance.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Board;

/// <summary>
/// The reset button, as technicians know it from OpenWrt and MikroTik boxes:
/// short press (&lt; 2 s) re-initiates all tunnels; hold ≥ 10 s until FLT blinks fast, release, and the
/// box is factory-reset; held at power-up, the box enters provisioning mode; held over 60 s the button
/// is reported stuck (a fault), never taken as a reset.
/// A <see cref="PeriodicTimer"/> on the injected TimeProvider reads the pin every 20 ms; where the
/// driver pushes edges (the simulated board, see <see cref="IPinEdgeSource"/>) they are fed in too.
/// </summary>
public sealed partial class ResetButtonService : BackgroundService
{
    public const string FaultSource = "reset-button";

    private readonly GpioController _gpio;
    private readonly IPinEdgeSource? _edges;
    private readonly ResetButtonDefinition _button;
    private readonly ApplianceStateHolder _state;
    private readonly TimeProvider _time;
    private readonly Action _factoryReset;
    private readonly ILogger _logger;
    private readonly ResetButtonTiming _timing;
    private readonly ResetButtonStateMachine _machine;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private bool _started;
    private bool _pinOpen;
    private bool _readFailing;

    /// <summary>A button whose factory reset is <see cref="FactoryReset.Run"/> on <paramref name="layout"/>.</summary>
    public ResetButtonService(BoardProfile profile, BoardGpio gpio, ApplianceStateHolder state, StateLayout layout,
                              TimeProvider time, ILogger<ResetButtonService>? logger = null, ResetButtonTiming? timing = null)
        : this(profile, gpio, state, () => FactoryReset.Run(layout), time, logger, timing)
    {
        ArgumentNullException.ThrowIfNull(layout);
    }

    /// <summary>Opens the pin and reads it once: <see cref="ProvisioningModeRequested"/> is known on return.</summary>
    public ResetButtonService(BoardProfile profile, BoardGpio gpio, ApplianceStateHolder state, Action factoryReset,
                              TimeProvider time, ILogger<ResetButtonService>? logger = null, ResetButtonTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(gpio);
        _gpio = gpio.Controller;
        _edges = gpio.Edges;
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _factoryReset = factoryReset ?? throw new ArgumentNullException(nameof(factoryReset));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger<ResetButtonService>.Instance;
        _timing = timing ?? ResetButtonTiming.Default;
        _button = profile.ResetButton;
        _machine = new ResetButtonStateMachine(_timing);
        _origin = time.GetTimestamp();

        // A chip that cannot be opened yet (see DeferredGpioDriver) reads as released: no provisioning
        // request, and Poll opens the pin once the chip is there.
        bool pressed = TryOpenPin() && ReadPressed();
        ButtonActions first;
        lock (_lock) first = _machine.Start(pressed, Now());
        ProvisioningModeRequested = (first & ButtonActions.ProvisioningRequested) != 0;
        if (ProvisioningModeRequested)
        {
            _state.SetProvisioningMode(true);
            LogProvisioning(_logger);
        }
    }

    /// <summary>The button was held at power-up: the host should enter provisioning mode.</summary>
    public bool ProvisioningModeRequested { get; }

    public ButtonPhase Phase
    {
        get { lock (_lock) return _machine.Phase; }
    }

    /// <summary>Short press: re-initiate all tunnels now.</summary>
    public event EventHandler? ShortPress;

    /// <summary>Raised at start when the button was held at power-up (also see <see cref="ProvisioningModeRequested"/>).</summary>
    public event EventHandler? ProvisioningRequested;

    /// <summary>The factory reset finished and is durable: the host should exit so systemd restarts it clean.</summary>
    public event EventHandler? FactoryResetCompleted;

    /// <summary>A fault to report (stuck button, failed reset); the text is safe to log and show.</summary>
    public event EventHandler<string>? Fault;

    /// <summary>A stuck button was released.</summary>
    public event EventHandler? FaultCleared;

    /// <summary>Begins watching pushed edges (if any) and announces provisioning. Idempotent; <see cref="ExecuteAsync"/> calls it.</summary>
    public void Attach()
    {
        lock (_lock)
        {
            if (_started) return;
            _started = true;
        }
        if (_edges is not null) _edges.InputChanged += OnInputChanged;
        if (ProvisioningModeRequested) ProvisioningRequested?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>One periodic read of the pin; public so tests can step it against a fake clock.</summary>
    public void Poll()
    {
        if (!TryOpenPin()) return;
        ButtonActions actions;
        lock (_lock) actions = _machine.Poll(ReadPressed(), Now());
        Dispatch(actions);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Attach();
        using var timer = new PeriodicTimer(_timing.PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    Poll();
                    _readFailing = false;
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    // Fifty polls a second: say it once per failing stretch, not every 20 ms.
                    if (!_readFailing) LogReadFailed(_logger, _button.Pin, e);
                    _readFailing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_edges is not null) _edges.InputChanged -= OnInputChanged;
    }

    private void OnInputChanged(int pin, PinValue level)
    {
        if (pin != _button.Pin) return;
        ButtonActions actions;
        lock (_lock) actions = _machine.Edge((level == PinValue.Low) == _button.ActiveLow, Now());
        Dispatch(actions);
    }

    private void Dispatch(ButtonActions actions)
    {
        if (actions == ButtonActions.None) return;
        if ((actions & ButtonActions.StuckFault) != 0)
        {
            string reason = $"reset button stuck (held over {_timing.StuckAfter.TotalSeconds:0} s): ignored until released";
            _state.Update(s => s with { ResetArmed = false, Faults = s.Faults.SetItem(FaultSource, reason) });
            LogStuck(_logger);
            Fault?.Invoke(this, reason);
        }
        if ((actions & ButtonActions.StuckCleared) != 0)
        {
            _state.ClearFault(FaultSource);
            LogUnstuck(_logger);
            FaultCleared?.Invoke(this, EventArgs.Empty);
        }
        if ((actions & ButtonActions.Disarmed) != 0)
            _state.SetResetArmed(false);
        if ((actions & ButtonActions.Armed) != 0)
        {
            _state.SetResetArmed(true);
            LogArmed(_logger);
        }
        if ((actions & ButtonActions.ShortPress) != 0)
        {
            LogShortPress(_logger);
            ShortPress?.Invoke(this, EventArgs.Empty);
        }
        if ((actions & ButtonActions.FactoryReset) != 0)
            RunFactoryReset();
    }

    private void RunFactoryReset()
    {
        LogResetting(_logger);
        try
        {
            _factoryReset();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            string reason = $"factory reset failed: {e.Message}";
            _state.Update(s => s with { ResetArmed = false, Faults = s.Faults.SetItem(FaultSource, reason) });
            LogResetFailed(_logger, e);
            Fault?.Invoke(this, reason);
            return;
        }
        _state.SetResetArmed(false);
        LogResetDone(_logger);
        FactoryResetCompleted?.Invoke(this, EventArgs.Empty);
    }

    private bool TryOpenPin()
    {
        if (_pinOpen) return true;
        try
        {
            _gpio.OpenPin(_button.Pin, _button.PullUp ? PinMode.InputPullUp : PinMode.Input);
        }
        catch (IOException)
        {
            return false; // The chip is not usable yet; whoever owns it reports why.
        }
        _pinOpen = true;
        return true;
    }

    private bool ReadPressed() => (_gpio.Read(_button.Pin) == PinValue.Low) == _button.ActiveLow;

    private TimeSpan Now() => _time.GetElapsedTime(_origin);
}

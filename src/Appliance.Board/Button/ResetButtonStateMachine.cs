namespace Appliance.Board;

/// <summary>
/// The reset button's debouncing and press classification, free of I/O and clocks: the owner feeds
/// it raw levels (from edge events and from periodic reads of the pin) with a monotonic time.
/// <para>
/// Debounce: a new level counts once it has held for <see cref="ResetButtonTiming.Debounce"/>, and then
/// dates from the first edge that left the old level — so contact bounce on the press edge neither
/// cancels nor shortens a hold. Arming is confirmed by a read of the pin, not inferred from an edge.
/// </para>
/// We do not use Iot.Device.Bindings' GpioButton: it times presses with the wall clock (no
/// TimeProvider), fires Press after a hold, and a bounce on the press edge cancels its Holding event.
/// </summary>
public sealed class ResetButtonStateMachine
{
    private readonly ResetButtonTiming _timing;
    private bool _started;
    private bool _raw;           // Last level seen (pressed = true).
    private TimeSpan _rawSince;  // When _raw last changed.
    private bool _stable;        // Debounced level.
    private TimeSpan? _leftStableAt; // First edge away from _stable not yet accepted or rejected.
    private TimeSpan _pressedAt;

    public ResetButtonStateMachine(ResetButtonTiming? timing = null) => _timing = timing ?? ResetButtonTiming.Default;

    public ButtonPhase Phase { get; private set; } = ButtonPhase.Released;

    /// <summary>The first read at power-up; a pressed button requests provisioning mode.</summary>
    public ButtonActions Start(bool pressed, TimeSpan now)
    {
        if (_started) throw new InvalidOperationException("the button state machine is already started");
        _started = true;
        _raw = _stable = pressed;
        _rawSince = now;
        if (!pressed) return ButtonActions.None;
        _pressedAt = now;
        Phase = ButtonPhase.HeldSinceBoot;
        return ButtonActions.ProvisioningRequested;
    }

    /// <summary>An edge event reported this level.</summary>
    public ButtonActions Edge(bool pressed, TimeSpan now) => Observe(pressed, now);

    /// <summary>A periodic read of the pin: catches missed edges and confirms holds.</summary>
    public ButtonActions Poll(bool pressed, TimeSpan now) => Observe(pressed, now);

    private ButtonActions Observe(bool pressed, TimeSpan now)
    {
        if (!_started) throw new InvalidOperationException("call Start with the power-up level first");
        // First let the level seen so far settle: it may have held long enough before this new edge.
        ButtonActions actions = Settle(now);
        if (pressed != _raw)
        {
            _raw = pressed;
            _rawSince = now;
            _leftStableAt ??= pressed != _stable ? now : null;
        }
        return actions | Settle(now) | CheckHold(now);
    }

    private ButtonActions Settle(TimeSpan now)
    {
        if (_leftStableAt is not TimeSpan leftAt || now - _rawSince < _timing.Debounce)
            return ButtonActions.None;
        _leftStableAt = null;
        // Back at the old level before the debounce time: a glitch, nothing happened.
        if (_raw == _stable) return ButtonActions.None;
        _stable = _raw;
        return _stable ? OnPressed(leftAt) : OnReleased(leftAt);
    }

    private ButtonActions OnPressed(TimeSpan at)
    {
        _pressedAt = at;
        Phase = ButtonPhase.Pressed;
        return ButtonActions.None;
    }

    private ButtonActions OnReleased(TimeSpan at)
    {
        ButtonPhase phase = Phase;
        Phase = ButtonPhase.Released;
        return phase switch
        {
            ButtonPhase.Pressed when at - _pressedAt < _timing.ShortPressMax => ButtonActions.ShortPress,
            ButtonPhase.Armed => ButtonActions.FactoryReset,
            ButtonPhase.Stuck => ButtonActions.StuckCleared,
            // Released between 2 s and 10 s, or the boot hold ended: deliberately nothing.
            _ => ButtonActions.None,
        };
    }

    private ButtonActions CheckHold(TimeSpan now)
    {
        // Only a pin that still reads pressed can arm or be stuck.
        if (!_stable || !_raw) return ButtonActions.None;
        TimeSpan held = now - _pressedAt;
        switch (Phase)
        {
            case ButtonPhase.Pressed or ButtonPhase.HeldSinceBoot or ButtonPhase.Armed when held >= _timing.StuckAfter:
                bool wasArmed = Phase == ButtonPhase.Armed;
                Phase = ButtonPhase.Stuck;
                return ButtonActions.StuckFault | (wasArmed ? ButtonActions.Disarmed : ButtonActions.None);
            case ButtonPhase.Pressed when held >= _timing.HoldToReset:
                Phase = ButtonPhase.Armed;
                return ButtonActions.Armed;
            default:
                return ButtonActions.None;
        }
    }
}

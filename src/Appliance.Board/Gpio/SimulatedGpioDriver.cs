using System.Device.Gpio;

namespace Appliance.Board;

/// <summary>
/// An in-process GPIO chip for the simulated board, the tests and the demo. Outputs keep what was
/// written; inputs read what the "outside world" drives through <see cref="SetInput"/>, or the
/// configured pull when nothing drives them — so a pulled-up button reads high until pressed.
/// Edge callbacks run synchronously on the caller of <see cref="SetInput"/>, outside the lock.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver, IPinEdgeSource
{
    public const int LineCount = 64;

    private readonly Lock _lock = new();
    private readonly Line[] _lines = new Line[LineCount];

    private sealed class Line
    {
        public bool Open;
        public PinMode Mode = PinMode.Input;
        public PinValue Output = PinValue.Low;
        public PinValue? External;
        public readonly List<(PinEventTypes Types, PinChangeEventHandler Handler)> Callbacks = [];
        public readonly List<(PinEventTypes Types, TaskCompletionSource<PinEventTypes> Waiter)> Waiters = [];
    }

    public SimulatedGpioDriver()
    {
        for (int i = 0; i < LineCount; i++) _lines[i] = new Line();
    }

    protected override int PinCount => LineCount;

    /// <inheritdoc/>
    public event Action<int, PinValue>? InputChanged;

    /// <summary>Drives an input line from outside (a finger on the button); null releases it to its pull.</summary>
    public void SetInput(int pin, PinValue? level)
    {
        PinEventTypes edge;
        PinChangeEventHandler[] handlers;
        TaskCompletionSource<PinEventTypes>[] waiters;
        lock (_lock)
        {
            Line line = LineAt(pin);
            PinValue before = LevelOf(line);
            line.External = level;
            PinValue after = LevelOf(line);
            if (before == after) return;
            edge = after == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = [.. line.Callbacks.Where(c => (c.Types & edge) != 0).Select(c => c.Handler)];
            waiters = [.. line.Waiters.Where(w => (w.Types & edge) != 0).Select(w => w.Waiter)];
            line.Waiters.RemoveAll(w => (w.Types & edge) != 0);
        }
        var args = new PinValueChangedEventArgs(edge, pin);
        foreach (PinChangeEventHandler handler in handlers) handler(this, args);
        InputChanged?.Invoke(pin, edge == PinEventTypes.Rising ? PinValue.High : PinValue.Low);
        foreach (TaskCompletionSource<PinEventTypes> waiter in waiters) waiter.TrySetResult(edge);
    }

    /// <summary>The level the line presents now (output value, or input level).</summary>
    public PinValue GetLevel(int pin)
    {
        lock (_lock) return LevelOf(LineAt(pin));
    }

    public bool IsOpen(int pin)
    {
        lock (_lock) return LineAt(pin).Open;
    }

    public PinMode GetMode(int pin)
    {
        lock (_lock) return LineAt(pin).Mode;
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_lock) LineAt(pinNumber).Open = true;
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_lock)
        {
            Line line = LineAt(pinNumber);
            line.Open = false;
            line.Callbacks.Clear();
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock) OpenLine(pinNumber).Mode = mode;
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        lock (_lock)
        {
            Line line = OpenLine(pinNumber);
            line.Mode = mode;
            if (mode == PinMode.Output) line.Output = initialValue;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => GetMode(pinNumber);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => pinNumber is >= 0 and < LineCount;

    protected override PinValue Read(int pinNumber)
    {
        lock (_lock) return LevelOf(OpenLine(pinNumber));
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            Line line = OpenLine(pinNumber);
            if (line.Mode != PinMode.Output)
                throw new InvalidOperationException($"simulated GPIO {pinNumber} is not an output");
            line.Output = value;
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        WaitForEventAsync(pinNumber, eventTypes, cancellationToken).AsTask().GetAwaiter().GetResult();

    protected override async ValueTask<WaitForEventResult> WaitForEventAsync(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) OpenLine(pinNumber).Waiters.Add((eventTypes, waiter));
        try
        {
            PinEventTypes edge = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new WaitForEventResult { EventTypes = edge, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            lock (_lock) LineAt(pinNumber).Waiters.RemoveAll(w => w.Waiter == waiter);
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock) OpenLine(pinNumber).Callbacks.Add((eventTypes, callback));
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock) LineAt(pinNumber).Callbacks.RemoveAll(c => c.Handler == callback);
    }

    public override GpioChipInfo GetChipInfo() => new(0, "gpiochip0", KnownGpioChips.SimulatedLabel, LineCount);

    private static PinValue LevelOf(Line line) => line.Mode switch
    {
        PinMode.Output => line.Output,
        _ when line.External is PinValue driven => driven,
        PinMode.InputPullUp => PinValue.High,
        _ => PinValue.Low,
    };

    private Line LineAt(int pin) =>
        pin is >= 0 and < LineCount ? _lines[pin] : throw new ArgumentOutOfRangeException(nameof(pin), pin, $"simulated chip has lines 0..{LineCount - 1}");

    private Line OpenLine(int pin)
    {
        Line line = LineAt(pin);
        if (!line.Open) throw new InvalidOperationException($"simulated GPIO {pin} is not open");
        return line;
    }
}

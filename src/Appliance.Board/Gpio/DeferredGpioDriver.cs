using System.Device.Gpio;

namespace Appliance.Board;

/// <summary>
/// The board's GPIO driver when the chip may not be usable yet: it opens the real driver through
/// <c>open</c>, and while that fails (no libgpiod, a chip still root:root because udev applied the
/// rules late, a missing overlay) every call throws <see cref="IOException"/> at once and a new
/// attempt is made at most every <c>retryInterval</c>. LEDs and the reset button are a convenience;
/// the tunnel must never wait for them, nor the service die because of them.
/// </summary>
/// <remarks>
/// GpioDriver's members are protected, so the real driver is wrapped in its own
/// <see cref="GpioController"/> and reached through that controller's public surface.
/// A pin the outer controller opens is only opened on the real chip when its mode is set (which the
/// controller does next), so an output starts at its initial level, as it would without the wrapper.
/// </remarks>
public sealed class DeferredGpioDriver : GpioDriver
{
    private readonly Func<GpioDriver> _open;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retryInterval;
    private readonly Lock _lock = new();
    private GpioController? _inner;
    private long _lastAttempt;
    private bool _attempted;
    private string _failure = "not opened yet";

    public DeferredGpioDriver(Func<GpioDriver> open, TimeProvider time, TimeSpan retryInterval)
    {
        _open = open ?? throw new ArgumentNullException(nameof(open));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retryInterval, TimeSpan.Zero);
        _retryInterval = retryInterval;
    }

    /// <summary>Raised (on the caller's thread) when an attempt to open the chip failed; the text is safe to show.</summary>
    public event Action<string>? Unavailable;

    /// <summary>Raised once, when the chip opened after being unavailable or on the first attempt.</summary>
    public event Action? Available;

    public bool IsAvailable
    {
        get { lock (_lock) return _inner is not null; }
    }

    /// <summary>Why the chip is not open, or null when it is.</summary>
    public string? Failure
    {
        get { lock (_lock) return _inner is null ? _failure : null; }
    }

    /// <summary>Attempts to open the chip now if it is not open and the retry interval has passed.</summary>
    public bool TryOpen()
    {
        try
        {
            Inner();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private GpioController Inner()
    {
        string? failed = null;
        bool opened = false;
        GpioController? inner;
        lock (_lock)
        {
            inner = _inner;
            if (inner is null)
            {
                long now = _time.GetTimestamp();
                if (_attempted && _time.GetElapsedTime(_lastAttempt, now) < _retryInterval)
                    throw new IOException($"GPIO unavailable: {_failure}");
                _attempted = true;
                _lastAttempt = now;
                try
                {
                    inner = _inner = new GpioController(_open());
                    opened = true;
                }
                catch (Exception e) when (e is GpioUnavailableException or IOException or UnauthorizedAccessException
                                              or InvalidOperationException or DllNotFoundException or PlatformNotSupportedException)
                {
                    failed = _failure = e.Message;
                }
            }
        }
        // Events outside the lock: a handler may read the state, which reads our properties.
        if (opened) Available?.Invoke();
        if (failed is not null)
        {
            Unavailable?.Invoke(failed);
            throw new IOException($"GPIO unavailable: {failed}");
        }
        return inner!;
    }

    // The real chip's size is unknown until it opens; the profile's pins are checked against it then.
    protected override int PinCount => Inner().PinCount;

    // Opening is completed by SetPinMode, which the outer controller calls right after (see remarks).
    protected override void OpenPin(int pinNumber) => Inner();

    protected override void ClosePin(int pinNumber)
    {
        GpioController? inner;
        lock (_lock) inner = _inner;
        if (inner is not null && inner.IsPinOpen(pinNumber)) inner.ClosePin(pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        GpioController inner = Inner();
        if (inner.IsPinOpen(pinNumber)) inner.SetPinMode(pinNumber, mode);
        else inner.OpenPin(pinNumber, mode);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        GpioController inner = Inner();
        if (inner.IsPinOpen(pinNumber))
        {
            inner.SetPinMode(pinNumber, mode);
            inner.Write(pinNumber, initialValue);
        }
        else
        {
            inner.OpenPin(pinNumber, mode, initialValue);
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => Inner().GetPinMode(pinNumber);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => Inner().IsPinModeSupported(pinNumber, mode);

    protected override PinValue Read(int pinNumber) => Inner().Read(pinNumber);

    protected override void Write(int pinNumber, PinValue value) => Inner().Write(pinNumber, value);

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        Inner().WaitForEvent(pinNumber, eventTypes, cancellationToken);

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        Inner().RegisterCallbackForPinValueChangedEvent(pinNumber, eventTypes, callback);

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        Inner().UnregisterCallbackForPinValueChangedEvent(pinNumber, callback);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            GpioController? inner;
            lock (_lock)
            {
                inner = _inner;
                _inner = null;
            }
            inner?.Dispose();
        }
        base.Dispose(disposing);
    }
}

namespace Appliance.Board;

/// <summary>Reset button timings (OpenWrt/MikroTik semantics); defaults are what the label promises.</summary>
public sealed record ResetButtonTiming
{
    /// <summary>A level must hold this long to count; shorter blips are contact bounce.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(30);
    /// <summary>Releases before this are a short press (re-initiate tunnels).</summary>
    public TimeSpan ShortPressMax { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Holding this long arms the factory reset; it happens on release.</summary>
    public TimeSpan HoldToReset { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Held this long, the button is stuck: a fault, never a reset.</summary>
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How often the service reads the pin to confirm holds and catch missed edges.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    public static ResetButtonTiming Default { get; } = new();
}

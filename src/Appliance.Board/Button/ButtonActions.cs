namespace Appliance.Board;

/// <summary>What the button state machine asks its owner to do; several may come at once.</summary>
[Flags]
public enum ButtonActions
{
    None = 0,
    /// <summary>Held at power-up: enter provisioning mode.</summary>
    ProvisioningRequested = 1 << 0,
    /// <summary>Released within <see cref="ResetButtonTiming.ShortPressMax"/>: re-initiate all tunnels.</summary>
    ShortPress = 1 << 1,
    /// <summary>Held for <see cref="ResetButtonTiming.HoldToReset"/>: show "armed".</summary>
    Armed = 1 << 2,
    /// <summary>No longer armed without a reset (the button turned out stuck).</summary>
    Disarmed = 1 << 3,
    /// <summary>Released while armed: perform the factory reset.</summary>
    FactoryReset = 1 << 4,
    /// <summary>Held past <see cref="ResetButtonTiming.StuckAfter"/>: report a fault.</summary>
    StuckFault = 1 << 5,
    /// <summary>A stuck button was finally released: clear the fault.</summary>
    StuckCleared = 1 << 6,
}

public enum ButtonPhase
{
    Released,
    /// <summary>Pressed at start-up; this press never becomes a short press or a reset.</summary>
    HeldSinceBoot,
    Pressed,
    Armed,
    Stuck,
}

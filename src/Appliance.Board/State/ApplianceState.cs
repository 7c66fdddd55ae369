namespace Appliance.Board;

/// <summary>
/// What the LEDs explain: an immutable snapshot the host replaces as things change.
/// Fault reasons are keyed by their source ("reset-button", "ike", ...) so each source can clear
/// its own without touching others'. Reasons are shown to technicians: never put secrets in them.
/// </summary>
public sealed record ApplianceState
{
    /// <summary>The state at power-up: booting, nothing known yet.</summary>
    public static ApplianceState Initial { get; } = new() { Booting = true };

    public bool Booting { get; init; }
    public bool WanLinkUp { get; init; }
    public OrdinalMap<TunnelState> Tunnels { get; init; } = OrdinalMap<TunnelState>.Empty;
    public bool ProvisioningMode { get; init; }
    public bool ResetArmed { get; init; }
    public OrdinalMap<string> Faults { get; init; } = OrdinalMap<string>.Empty;

    /// <summary>Power or thermal trouble the board reports (held flags from <see cref="BoardHealthService"/>).</summary>
    public BoardHealthFlags Health { get; init; }

    public bool Fault => !Faults.IsEmpty;

    /// <summary>The board is under-powered or too hot: the LEDs show it like a fault.</summary>
    public bool HealthProblem => Health != BoardHealthFlags.None;

    /// <summary>Tunnels that exist in configuration (NotConfigured entries are placeholders).</summary>
    public IEnumerable<TunnelState> ConfiguredTunnels => Tunnels.Values.Where(t => t != TunnelState.NotConfigured);

    public bool Equals(ApplianceState? other) =>
        other is not null && Booting == other.Booting && WanLinkUp == other.WanLinkUp &&
        ProvisioningMode == other.ProvisioningMode && ResetArmed == other.ResetArmed && Health == other.Health &&
        Tunnels.ContentEquals(other.Tunnels) && Faults.ContentEquals(other.Faults);

    public override int GetHashCode() => HashCode.Combine(Booting, WanLinkUp, ProvisioningMode, ResetArmed, Health, Tunnels.Count, Faults.Count);
}

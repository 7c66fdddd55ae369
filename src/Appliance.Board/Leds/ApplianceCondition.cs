namespace Appliance.Board;

/// <summary>
/// The headline the LEDs tell, most urgent first. Several can be true at once; <see cref="LedLanguage"/>
/// shows the most urgent on the fault LED and the link/tunnel picture on the others.
/// </summary>
public enum ApplianceCondition
{
    Booting,
    ServiceHung,
    FactoryResetArmed,
    /// <summary>The supply sags (firmware under-voltage): USB NICs and SD writes misbehave.</summary>
    UnderVoltage,
    /// <summary>The SoC is throttling or at its temperature limit.</summary>
    Overheating,
    ProvisioningMode,
    Fault,
    AuthenticationFailed,
    PeerUnreachable,
    NoWanLink,
    NoTunnelConfigured,
    Negotiating,
    SomeTunnelsDown,
    AllTunnelsUp,
}

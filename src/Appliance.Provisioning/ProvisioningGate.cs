namespace Appliance.Provisioning;

/// <summary>Who owns the console UART: provisioning or the login getty.</summary>
public static class ProvisioningGate
{
    /// <summary>
    /// Written by the boot-time console selection (see README.md) when the reset button was held at
    /// power-up, so the service and the selection agree on one reading of the button.
    /// </summary>
    public const string DefaultProvisioningModeFlag = "/run/appliance/provisioning-mode";

    /// <summary>
    /// Provisioning owns the port while the box is not locked, or when the reset button was held at
    /// power-up (provisioning mode); otherwise the getty keeps it.
    /// </summary>
    public static bool ShouldOwnConsole(bool locked, bool provisioningMode) => !locked || provisioningMode;
}

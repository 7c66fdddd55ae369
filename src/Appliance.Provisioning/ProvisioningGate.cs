namespace Appliance.Provisioning;

/// <summary>Who owns the console UART: provisioning or the login getty.</summary>
public static class ProvisioningGate
{
    /// <summary>
    /// Provisioning owns the port while the box is not locked, or when the reset button was held at
    /// power-up (provisioning mode); otherwise the getty keeps it.
    /// </summary>
    public static bool ShouldOwnConsole(bool locked, bool provisioningMode) => !locked || provisioningMode;
}

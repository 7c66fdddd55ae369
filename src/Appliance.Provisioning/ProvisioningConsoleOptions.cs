namespace Appliance.Provisioning;

/// <summary>What the host tells the console service (bound from Appliance:Console and the board profile).</summary>
public sealed class ProvisioningConsoleOptions
{
    /// <summary>The console UART, Appliance:Console:Device (the board profile's default, e.g. /dev/serial0).</summary>
    public string Device { get; init; } = "/dev/serial0";

    public int BaudRate { get; init; } = 115200;

    /// <summary>Wait before reopening the port after it failed or vanished (USB adapter unplugged).</summary>
    public TimeSpan ReopenDelay { get; init; } = TimeSpan.FromSeconds(2);
}

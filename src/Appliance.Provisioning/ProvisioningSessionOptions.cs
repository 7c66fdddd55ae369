namespace Appliance.Provisioning;

public sealed class ProvisioningSessionOptions
{
    /// <summary>Shown in the banner and INFO.</summary>
    public required string FirmwareVersion { get; init; }

    /// <summary>The reset button was held at power-up: a locked box accepts commands again.</summary>
    public bool ProvisioningMode { get; init; }

    /// <summary>How long a PEM block after CERT/CACERT may take before it is abandoned.</summary>
    public TimeSpan PemTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long TEST BUTTON waits for a press.</summary>
    public TimeSpan ButtonTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How COMMIT judges the tunnels: with a check, the layered configuration the service would run (the host
    /// supplies it); without one (tests, a station-only build), the staged settings alone must be complete.
    /// </summary>
    public ILayeredConfigurationCheck? LayeredCheck { get; init; }

    /// <summary>users.json for USER ADD|DEL|LIST; without it (a station-only build) USER answers 501.</summary>
    public Common.UserStoreFile? Users { get; init; }

    /// <summary>The NT password hash (RFC 2759 §8.3) USER ADD stores; the host passes the IKE library's.</summary>
    public Func<string, byte[]>? NtPasswordHash { get; init; }
}

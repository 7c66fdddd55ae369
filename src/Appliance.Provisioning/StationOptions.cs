namespace Appliance.Provisioning;

/// <summary>
/// Options of <c>appliance provision --port DEV --profile unit.json [--csr-out DIR] [--cert FILE] [--lock]</c>.
/// </summary>
public sealed class StationOptions
{
    /// <summary>JSON settings with the service configuration's keys: <c>{ "Appliance": { ... } }</c>.</summary>
    public required string ProfilePath { get; init; }

    /// <summary>Where to write the CSR, as <c>&lt;serial-number&gt;.csr</c>; null: no CSR.</summary>
    public string? CsrOutDirectory { get; init; }

    /// <summary>PEM file: the device certificate, optionally followed by the CA certificate.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>PEM file with the CA certificate, when it is not appended to <see cref="CertificatePath"/>.</summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>CSR subject; default <c>CN=</c> the first tunnel's LocalId, else the serial number.</summary>
    public string? CsrSubject { get; init; }

    public bool Lock { get; init; }

    /// <summary>Algorithm for KEYGEN when the box has no key: ecdsa-p256 (default) or ed25519.</summary>
    public string KeyAlgorithm { get; init; } = DeviceIdentity.EcdsaP256;

    /// <summary>Replace an existing device key (KEYGEN --force); its certificate is then dropped.</summary>
    public bool ForceKeygen { get; init; }

    public bool TestLeds { get; init; }

    public bool TestButton { get; init; }

    /// <summary>How long to wait for each reply (TEST BUTTON gets this plus the box's button timeout).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

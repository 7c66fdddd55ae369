namespace Appliance.Provisioning;

/// <summary>
/// The board facilities provisioning needs. The host implements it with the board profile (GPIO LEDs and
/// button, NIC MACs, serial number) and the ESP crypto self-test; tests use a fake.
/// </summary>
public interface IProvisioningHardware
{
    string SerialNumber { get; }
    string BoardName { get; }
    IReadOnlyList<(string Nic, string Mac)> Macs { get; }

    /// <summary>Lights each LED in turn so the operator can see every one works.</summary>
    Task WalkLedsAsync(CancellationToken cancellationToken);

    /// <summary>True if the reset button was pressed within <paramref name="timeout"/>.</summary>
    Task<bool> WaitForButtonAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Known-answer tests of the crypto suites the box uses.</summary>
    IReadOnlyList<(string Name, bool Passed)> RunCryptoSelfTest();
}

namespace Appliance.Provisioning;

/// <summary>
/// Persistent state provisioning reads and writes. Every write must be atomic (old or new content,
/// never a mix); the device key must be readable by the owner only.
/// </summary>
public interface IProvisioningStore
{
    /// <summary>The factory configuration JSON, or null when none was ever committed.</summary>
    string? ReadFactoryConfiguration();
    void WriteFactoryConfiguration(string json);

    /// <summary>The device private key as PKCS#8 PEM, or null.</summary>
    string? ReadDeviceKey();
    void WriteDeviceKey(string pkcs8Pem);

    string? ReadDeviceCertificate();
    void WriteDeviceCertificate(string pem);
    void DeleteDeviceCertificate();

    string? ReadCaCertificate();
    void WriteCaCertificate(string pem);

    /// <summary>True once LOCK was committed to storage.</summary>
    bool IsLocked { get; }
    void Lock();
}

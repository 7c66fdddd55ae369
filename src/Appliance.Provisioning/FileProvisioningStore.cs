using Appliance.Common;

namespace Appliance.Provisioning;

/// <summary>The state directory (see <see cref="StateLayout"/>) as a provisioning store.</summary>
public sealed class FileProvisioningStore : IProvisioningStore
{
    private readonly StateLayout _layout;

    public FileProvisioningStore(StateLayout layout)
    {
        _layout = layout;
        // A write that crashed before its rename leaves a temporary behind; it never replaced anything.
        AtomicFile.CleanupStaleTemporaries(layout.Root);
        AtomicFile.CleanupStaleTemporaries(layout.IdentityDirectory);
    }

    public StateLayout Layout => _layout;

    public string? ReadFactoryConfiguration() => ReadOrNull(_layout.FactoryConfig);

    // factory.json may hold a PSK: owner-only like every secret file.
    public void WriteFactoryConfiguration(string json) =>
        AtomicFile.WriteAllText(_layout.FactoryConfig, json, AtomicFile.SecretMode);

    public string? ReadDeviceKey() => ReadOrNull(_layout.DeviceKey);

    public void WriteDeviceKey(string pkcs8Pem)
    {
        CreateIdentityDirectory();
        AtomicFile.WriteAllText(_layout.DeviceKey, pkcs8Pem, AtomicFile.SecretMode);
    }

    public string? ReadDeviceCertificate() => ReadOrNull(_layout.DeviceCertificate);

    public void WriteDeviceCertificate(string pem)
    {
        CreateIdentityDirectory();
        AtomicFile.WriteAllText(_layout.DeviceCertificate, pem, AtomicFile.PublicMode);
    }

    public void DeleteDeviceCertificate() => AtomicFile.Delete(_layout.DeviceCertificate);

    public string? ReadCaCertificate() => ReadOrNull(_layout.CaCertificate);

    public void WriteCaCertificate(string pem)
    {
        CreateIdentityDirectory();
        AtomicFile.WriteAllText(_layout.CaCertificate, pem, AtomicFile.PublicMode);
    }

    public bool IsLocked => File.Exists(_layout.ProvisioningLock);

    public void Lock() => AtomicFile.WriteAllText(_layout.ProvisioningLock, "locked\n", AtomicFile.PublicMode);

    private void CreateIdentityDirectory() =>
        Directory.CreateDirectory(_layout.IdentityDirectory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    private static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }
}

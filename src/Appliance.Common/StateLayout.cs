namespace Appliance.Common;

/// <summary>
/// Where the service keeps its persistent state, below <c>StateDirectory</c> (the data partition,
/// default /var/lib/appliance). One class owns the layout so provisioning, factory reset and the
/// service agree on it.
/// <code>
/// factory.json        configuration written on the production line (COMMIT); survives a factory reset
/// identity/           device.key (0600), device.crt, ca.crt: the box's identity; survives a factory reset
/// provisioning.lock   present once provisioning is locked (LOCK); survives a factory reset
/// config.json         the operator's configuration overlay; removed by a factory reset
/// users.json          remote-access users (NT hashes, 0600) from `appliance user add`; removed by a factory reset
/// runtime/            runtime state (caches, counters); wiped by a factory reset
/// </code>
/// Configuration is layered: the image's read-only default file, then factory.json, then config.json,
/// then environment variables, then the command line.
/// </summary>
public sealed class StateLayout
{
    public const string DefaultStateDirectory = "/var/lib/appliance";
    public const string DefaultConfigFile = "/etc/appliance/appliance.json";

    public StateLayout(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Root = Path.GetFullPath(stateDirectory);
    }

    public string Root { get; }
    public string FactoryConfig => Path.Combine(Root, "factory.json");
    public string UserConfig => Path.Combine(Root, "config.json");
    public string Users => Path.Combine(Root, UserStoreFile.FileName);
    public string IdentityDirectory => Path.Combine(Root, "identity");
    public string DeviceKey => Path.Combine(IdentityDirectory, "device.key");
    public string DeviceCertificate => Path.Combine(IdentityDirectory, "device.crt");
    public string CaCertificate => Path.Combine(IdentityDirectory, "ca.crt");
    public string ProvisioningLock => Path.Combine(Root, "provisioning.lock");
    public string RuntimeDirectory => Path.Combine(Root, "runtime");
}

using Appliance.Common;

namespace Appliance.Board.Tests;

/// <summary>A populated state directory (see StateLayout) and checks of what a reset must keep and wipe.</summary>
internal sealed class StateDirectory : IDisposable
{
    private readonly TempDir _dir = new();

    public StateDirectory()
    {
        Layout = new StateLayout(_dir.Combine("state"));
        Directory.CreateDirectory(Layout.IdentityDirectory);
        Directory.CreateDirectory(Path.Combine(Layout.RuntimeDirectory, "cache"));
        File.WriteAllText(Layout.FactoryConfig, FactoryJson);
        File.WriteAllText(Layout.DeviceKey, DeviceKey);
        File.SetUnixFileMode(Layout.DeviceKey, AtomicFile.SecretMode);
        File.WriteAllText(Layout.DeviceCertificate, "CERT");
        File.WriteAllText(Layout.ProvisioningLock, "locked");
        File.WriteAllText(Layout.UserConfig, UserJson);
        File.WriteAllText(Path.Combine(Layout.RuntimeDirectory, "counters.json"), "{\"rekeys\":7}");
        File.WriteAllText(Path.Combine(Layout.RuntimeDirectory, "cache", "peer.bin"), "cached");
    }

    public const string FactoryJson = "{\"Board\":\"rpi4\"}";
    public const string UserJson = "{\"Tunnels\":[{\"Name\":\"hq\"}]}";
    public const string DeviceKey = "-----BEGIN PRIVATE KEY-----";

    public StateLayout Layout { get; }

    /// <summary>Everything under the state directory, relative path → content ("/" for folders).</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in Directory.EnumerateFileSystemEntries(Layout.Root, "*", SearchOption.AllDirectories))
            all[Path.GetRelativePath(Layout.Root, entry)] = Directory.Exists(entry) ? "/" : File.ReadAllText(entry);
        return all;
    }

    public static SortedDictionary<string, string> Old() => new(StringComparer.Ordinal)
    {
        ["config.json"] = UserJson,
        ["factory.json"] = FactoryJson,
        ["identity"] = "/",
        ["identity/device.crt"] = "CERT",
        ["identity/device.key"] = DeviceKey,
        ["provisioning.lock"] = "locked",
        ["runtime"] = "/",
        ["runtime/cache"] = "/",
        ["runtime/cache/peer.bin"] = "cached",
        ["runtime/counters.json"] = "{\"rekeys\":7}",
    };

    public static SortedDictionary<string, string> Factory() => new(StringComparer.Ordinal)
    {
        ["factory.json"] = FactoryJson,
        ["identity"] = "/",
        ["identity/device.crt"] = "CERT",
        ["identity/device.key"] = DeviceKey,
        ["provisioning.lock"] = "locked",
        ["runtime"] = "/",
    };

    public void Dispose() => _dir.Dispose();
}

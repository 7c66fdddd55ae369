namespace Appliance.Provisioning;

/// <summary>One reason the configuration cannot be committed, naming the key at fault.</summary>
public readonly record struct SettingError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// The checks COMMIT runs over the whole configuration: every key known and every value well-formed,
/// then the rules that tie a tunnel's settings together.
/// </summary>
public static class ConfigurationValidator
{
    /// <param name="tunnelRules">
    /// Whether each tunnel named in <paramref name="settings"/> must be complete in them. Off when the layered
    /// configuration is checked instead (<see cref="ILayeredConfigurationCheck"/>): the image may define the tunnel.
    /// </param>
    public static List<SettingError> Validate(IReadOnlyDictionary<string, string> settings, bool hasDeviceKey, bool hasDeviceCertificate,
        bool tunnelRules = true)
    {
        var errors = new List<SettingError>();
        var tunnels = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            if (!SettingsSchema.TryResolve(key, out _, out bool wholeList) || wholeList)
            {
                errors.Add(new(key, "unknown key"));
                continue;
            }
            string? problem = SettingsSchema.ValidateValue(key, value);
            if (problem is not null)
                errors.Add(new(key, SettingsSchema.IsSecret(key) ? problem : $"{problem} ('{value}')"));
            string[] parts = key.Split(':');
            if (parts.Length > 3 && parts[1] == "Tunnels") tunnels.Add(parts[2]);
        }
        if (!tunnelRules) return errors;
        foreach (string tunnel in tunnels)
            ValidateTunnel(settings, "Appliance:Tunnels:" + tunnel, hasDeviceKey, hasDeviceCertificate, errors);
        ValidateL2tp(settings, errors);
        return errors;
    }

    private static void ValidateTunnel(IReadOnlyDictionary<string, string> settings, string prefix,
        bool hasDeviceKey, bool hasDeviceCertificate, List<SettingError> errors)
    {
        string? Get(string name) => settings.TryGetValue(prefix + ":" + name, out string? v) ? v : null;

        if (Get("RemoteAddress") is null) errors.Add(new(prefix + ":RemoteAddress", "required"));
        switch (Get("Auth"))
        {
            case null:
                errors.Add(new(prefix + ":Auth", "required (psk|cert)"));
                break;
            case "psk":
                bool hasPsk = Get("Psk") is not null, hasPskFile = Get("PskFile") is not null;
                if (!hasPsk && !hasPskFile) errors.Add(new(prefix + ":Psk", "Auth psk needs Psk or PskFile"));
                if (hasPsk && hasPskFile) errors.Add(new(prefix + ":PskFile", "set either Psk or PskFile, not both"));
                break;
            case "cert":
                if (!hasDeviceKey) errors.Add(new(prefix + ":Auth", "Auth cert needs a device key (KEYGEN)"));
                else if (!hasDeviceCertificate) errors.Add(new(prefix + ":Auth", "Auth cert needs a device certificate (CERT)"));
                break;
        }
        bool Has(string list) => settings.ContainsKey(prefix + ":" + list + ":0") || HasAnyElement(settings, prefix + ":" + list + ":");
        bool remoteAccess = Get("RemoteAuth") == "eap-mschapv2";
        if (remoteAccess)
            ValidateRemoteAccess(settings, prefix, Get, errors);
        // A remote-access tunnel's RemoteTs defaults to its pools, its Ike and Esp to its client profile's proposals.
        foreach (string list in remoteAccess ? (string[])["LocalTs"] : ["LocalTs", "RemoteTs", "Ike"])
            if (!Has(list))
                errors.Add(new(prefix + ":" + list, "must not be empty"));
        // A Child SA is ESP or AH (RFC 4302), as the service accepts it: exactly one of the two lists.
        if (!Has("Esp") && !Has("Ah") && !remoteAccess)
            errors.Add(new(prefix + ":Esp", "must not be empty"));
        else if (Has("Esp") && Has("Ah"))
            errors.Add(new(prefix + ":Ah", "set Esp or Ah, not both"));
    }

    /// <summary>The rules the service applies to a remote-access tunnel, so COMMIT refuses what would stop it at start.</summary>
    private static void ValidateRemoteAccess(IReadOnlyDictionary<string, string> settings, string prefix, Func<string, string?> get,
        List<SettingError> errors)
    {
        if (get("RemoteAddress") is { } remote && remote != "%any")
            errors.Add(new(prefix + ":RemoteAddress", "a remote-access tunnel needs %any"));
        if (get("Auth") is { } auth && auth != "cert")
            errors.Add(new(prefix + ":Auth", "a remote-access tunnel authenticates the box with its certificate (cert)"));
        if (get("Start") is not "none")
            errors.Add(new(prefix + ":Start", "a remote-access tunnel only responds: none"));
        if (get("Pool") is null)
            errors.Add(new(prefix + ":Pool", "required for remote access (IPv4 CIDR)"));
        // Users may come later, in users.json (USER ADD, `appliance user add`): none in the settings is not an error.
    }

    /// <summary>L2TP/IPsec switched on in these settings needs its key and pool here too, or the service would refuse to start.</summary>
    private static void ValidateL2tp(IReadOnlyDictionary<string, string> settings, List<SettingError> errors)
    {
        const string prefix = "Appliance:L2tp";
        string? Get(string name) => settings.FirstOrDefault(p => string.Equals(p.Key, prefix + ":" + name, StringComparison.OrdinalIgnoreCase)).Value;
        if (!string.Equals(Get("Enabled"), "true", StringComparison.OrdinalIgnoreCase)) return;
        bool hasPsk = Get("Psk") is not null, hasPskFile = Get("PskFile") is not null;
        if (!hasPsk && !hasPskFile) errors.Add(new(prefix + ":Psk", "L2TP/IPsec needs Psk or PskFile"));
        if (hasPsk && hasPskFile) errors.Add(new(prefix + ":PskFile", "set either Psk or PskFile, not both"));
        if (Get("Pool") is null) errors.Add(new(prefix + ":Pool", "required for L2TP/IPsec (IPv4 CIDR)"));
    }

    private static bool HasAnyElement(IReadOnlyDictionary<string, string> settings, string listPrefix) =>
        settings.Keys.Any(k => k.StartsWith(listPrefix, StringComparison.OrdinalIgnoreCase));
}

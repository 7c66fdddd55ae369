namespace Appliance.Provisioning;

/// <summary>
/// The service's own validation of the configuration it would run if the given factory layer were committed:
/// the image's configuration file below it, the operator's config.json, the environment and the command line
/// above it, exactly as `appliance check` and `appliance run` load them. A station that stages only the
/// per-unit values (a PSK, an identity) over a tunnel the image already defines is judged by the whole.
/// </summary>
public interface ILayeredConfigurationCheck
{
    /// <summary>Every problem of the layered configuration, each naming its key; empty when the service would start.</summary>
    IReadOnlyList<SettingError> Check(string factoryJson);
}

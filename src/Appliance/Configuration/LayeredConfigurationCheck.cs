using Appliance.Provisioning;
using Microsoft.Extensions.Configuration;

namespace Appliance.Configuration;

/// <summary>
/// Provisioning's COMMIT judged as the service would judge the result: the same layers (the --config file, the
/// staged factory layer in place of factory.json, config.json, environment, command line) and the same validator
/// as `appliance run` and `appliance check`.
/// </summary>
public sealed class LayeredConfigurationCheck(string configFile, string[] overrides) : ILayeredConfigurationCheck
{
    public IReadOnlyList<SettingError> Check(string factoryJson)
    {
        var options = new ApplianceOptions();
        try
        {
            ConfigurationLoader.Load(configFile, overrides, factoryJson).GetSection(ApplianceOptions.SectionName).Bind(options);
        }
        catch (Exception e) when (e is ConfigurationException or InvalidDataException or FormatException
                                      or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Binding names the key in its message (e.g. a TimeSpan that does not parse).
            return [new SettingError(ApplianceOptions.SectionName, e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message)];
        }
        catch (System.Text.Json.JsonException e)
        {
            // Files' JSON errors arrive wrapped in InvalidDataException; the staged layer comes as a stream, whose
            // provider lets the reader's exception through (found by the config-json fuzz harness).
            return [new SettingError(ApplianceOptions.SectionName, $"the staged factory settings are not valid JSON: {e.Message}")];
        }
        return [.. ApplianceOptionsValidator.Validate(options).Select(Split)];
    }

    /// <summary>The validator writes "Appliance:Tunnels:hq:RemoteAddress: required ..."; COMMIT replies with key and message apart.</summary>
    private static SettingError Split(string error)
    {
        int colon = error.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? new SettingError(ApplianceOptions.SectionName, error) : new SettingError(error[..colon], error[(colon + 2)..]);
    }
}

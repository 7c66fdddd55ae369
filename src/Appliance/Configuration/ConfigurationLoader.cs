using Appliance.Common;
using Microsoft.Extensions.Configuration;

namespace Appliance.Configuration;

/// <summary>
/// Builds the layered configuration: the image's file (--config), then what provisioning wrote
/// (factory.json), then the operator's overlay (config.json), then APPLIANCE__ environment
/// variables, then the command line. Later layers win.
/// </summary>
public static class ConfigurationLoader
{
    public const string EnvironmentPrefix = "APPLIANCE__";

    /// <summary>StateDirectory can itself come from any layer but the state files, so it is read first.</summary>
    public static string StateDirectory(string configFile, string[] commandLineOverrides)
    {
        var first = new ConfigurationBuilder();
        AddBase(first, configFile, commandLineOverrides);
        return first.Build()[$"{ApplianceOptions.SectionName}:StateDirectory"] ?? StateLayout.DefaultStateDirectory;
    }

    /// <param name="factoryJson">The factory layer to use instead of factory.json (provisioning's COMMIT judging a draft).</param>
    public static IConfigurationRoot Load(string configFile, string[] commandLineOverrides, string? factoryJson = null)
    {
        var layout = new StateLayout(StateDirectory(configFile, commandLineOverrides));

        var builder = new ConfigurationBuilder();
        JsonFileLayer.Add(builder, Path.GetFullPath(configFile), optional: false);
        if (factoryJson is null)
            JsonFileLayer.Add(builder, layout.FactoryConfig, optional: true);
        else
            builder.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(factoryJson)));
        JsonFileLayer.Add(builder, layout.UserConfig, optional: true);
        AddOverrides(builder, commandLineOverrides);
        return builder.Build();
    }

    private static void AddBase(ConfigurationBuilder builder, string configFile, string[] overrides)
    {
        if (!File.Exists(configFile))
            throw new ConfigurationException($"configuration file '{configFile}' does not exist");
        JsonFileLayer.Add(builder, Path.GetFullPath(configFile), optional: false);
        AddOverrides(builder, overrides);
    }

    private static void AddOverrides(ConfigurationBuilder builder, string[] overrides)
    {
        // APPLIANCE__Appliance__Wan__Interface is unwieldy; APPLIANCE__Wan__Interface maps into the section.
        var env = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (!key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            string path = key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (!path.StartsWith(ApplianceOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase))
                path = ApplianceOptions.SectionName + ":" + path;
            env[path] = (string?)entry.Value;
        }
        builder.AddInMemoryCollection(env);
        builder.AddCommandLine(overrides);
    }
}

/// <summary>A configuration problem the operator must fix; its message names the key.</summary>
public sealed class ConfigurationException(string message) : Exception(message);

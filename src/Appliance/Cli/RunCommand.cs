using Appliance.Board;
using Appliance.BoardIntegration;
using Appliance.Common;
using Appliance.Configuration;
using Appliance.Logging;
using Appliance.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Cli;

/// <summary>`appliance run`: loads and validates the configuration, then runs the Generic Host.</summary>
public static class RunCommand
{
    /// <summary>sysexits' EX_CONFIG: systemd's RestartPreventExitStatus keeps a bad file from a restart loop.</summary>
    public const int ExitConfig = 78;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args);
        string configFile = a.Option("--config") ?? StateLayout.DefaultConfigFile;
        string[] overrides = a.Remaining;

        if (!TryLoad(configFile, overrides, out var configuration, out var options))
            return ExitConfig;
        BoardProfile profile;
        try
        {
            profile = BoardProfile.Load(options.Board, BoardDirectory.Resolve(options));
        }
        catch (BoardProfileException e)
        {
            Console.Error.WriteLine($"appliance: board profile error: {e.Message}");
            return ExitConfig;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "appliance",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        // systemd sets JOURNAL_STREAM when standard output is the journal (systemd.exec(5)); SystemdHelpers' parent-process
        // check cannot see systemd under the unit's ProtectProc=invisible.
        bool journal = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        builder.Logging.AddProvider(new LineLoggerProvider(Console.Out, journal, TimeProvider.System));
        // Not AddSystemd(): its parent-is-systemd test fails under the unit's ProtectProc=invisible (SystemdNotifyRegistration).
        SystemdNotifyRegistration.AddWhenAsked(builder.Services, Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        ServiceWiring.Add(builder.Services, options, profile, new LayeredConfigurationCheck(configFile, overrides));

        using IHost host = builder.Build();
        await host.RunAsync();
        return Environment.ExitCode;
    }

    public static bool TryLoad(string configFile, string[] overrides,
        out IConfigurationRoot configuration, out ApplianceOptions options)
    {
        configuration = null!;
        options = new ApplianceOptions();
        try
        {
            // A factory reset cut short by a power loss is finished before any configuration is read.
            FactoryReset.CompleteInterrupted(new StateLayout(ConfigurationLoader.StateDirectory(configFile, overrides)));
            configuration = ConfigurationLoader.Load(configFile, overrides);
            configuration.GetSection(ApplianceOptions.SectionName).Bind(options);
        }
        catch (Exception e) when (e is ConfigurationException or InvalidDataException or FormatException
                                      or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // JSON syntax errors arrive as InvalidDataException with the file and line; binding errors name the key.
            Console.Error.WriteLine($"appliance: configuration error: {e.Message}");
            if (e.InnerException is { } inner) Console.Error.WriteLine($"  {inner.Message}");
            return false;
        }
        var errors = ApplianceOptionsValidator.Validate(options);
        foreach (string error in errors)
            Console.Error.WriteLine($"appliance: configuration error: {error}");
        return errors.Count == 0;
    }
}

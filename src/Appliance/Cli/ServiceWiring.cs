using Appliance.Board;
using Appliance.BoardIntegration;
using Appliance.Common;
using Appliance.Configuration;
using Appliance.Control;
using Appliance.Ike;
using Appliance.Provisioning;
using Appliance.Systemd;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Cli;

/// <summary>Registers the service's parts; the only place that knows how they fit together.</summary>
public static class ServiceWiring
{
    /// <summary>Exit status after a factory reset: non-zero so systemd's Restart=on-failure restarts us clean.</summary>
    public const int ExitAfterFactoryReset = 75;

    public static void Add(IServiceCollection services, ApplianceOptions options, BoardProfile profile, ILayeredConfigurationCheck layeredCheck)
    {
        var layout = new StateLayout(options.StateDirectory);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(layout);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ControlCommands>();
        services.AddSingleton<TunnelHealth>();
        services.AddSingleton<WorkerHeartbeats>();

        // Board: profile, GPIO, state, LEDs, reset button.
        services.AddSingleton(profile);
        services.AddSingleton(sp => GpioWiring.Open(profile, sp.GetRequiredService<ApplianceStateHolder>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance.Board.Gpio")));
        services.AddSingleton<ApplianceStateHolder>();
        services.AddSingleton<IApplianceStateSource>(sp => sp.GetRequiredService<ApplianceStateHolder>());
        services.AddSingleton(sp => new LivenessWatchdog(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new LedService(profile, sp.GetRequiredService<BoardGpio>().Controller,
            sp.GetRequiredService<IApplianceStateSource>(), sp.GetRequiredService<LivenessWatchdog>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LedService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<LedService>());
        services.AddSingleton(sp => CreateButton(sp, profile, layout));
        services.AddHostedService(sp => sp.GetRequiredService<ResetButtonService>());
        services.AddHostedService<WanLinkMonitor>();
        services.AddSingleton<IStatusSection, LedStatusSection>();
        AddHealth(services, profile, layout);

        // The LAN address and forwarding, before IKE and the data plane read the interfaces; all of it
        // waits for the NICs to exist.
        services.AddSingleton<Network.NetworkInterfaceGate>();
        services.AddHostedService(sp => sp.GetRequiredService<Network.NetworkInterfaceGate>());
        if (options.Lan.Address is not null || options.Lan.Address6 is not null)
            services.AddHostedService<LanServices.LanAddressService>();

        // IKE and the Child SAs it negotiates.
        services.AddSingleton<ChildSaTable>();
        services.AddSingleton<IChildSaSink>(sp => sp.GetRequiredService<ChildSaTable>());
        services.AddSingleton<IChildSaCounters>(sp => sp.GetRequiredService<ChildSaTable>());
        services.AddSingleton<IkeService>();
        services.AddHostedService(sp => sp.GetRequiredService<IkeService>());
        services.AddSingleton<IStatusSection, IkeStatusSection>();
        if (options.Lan.Interface is not null)
        {
            services.AddSingleton<DataPath.DataPlaneService>();
            services.AddHostedService(sp => sp.GetRequiredService<DataPath.DataPlaneService>());
            services.AddSingleton<IStatusSection>(sp => sp.GetRequiredService<DataPath.DataPlaneService>());
            if (options.L2tp.Enabled)
            {
                services.AddSingleton<RemoteAccess.L2tpService>();
                services.AddHostedService(sp => sp.GetRequiredService<RemoteAccess.L2tpService>());
                services.AddSingleton<IStatusSection>(sp => sp.GetRequiredService<RemoteAccess.L2tpService>());
            }
        }
        else
        {
            services.AddSingleton<IStatusSection>(sp => sp.GetRequiredService<ChildSaTable>());
        }
        AddLanServices(services, options);
        services.AddSingleton(sp => new TunnelHealthBridge(sp.GetRequiredService<TunnelHealth>(),
            sp.GetRequiredService<ApplianceStateHolder>(), options.Tunnels.Keys));

        // Provisioning owns the console UART only while unlocked or in provisioning mode.
        string? console = options.Console.Device;
        if (console is null && !profile.IsSimulated)
        {
            // A missing UART (disabled in config.txt, a carrier board without it) must not stop the VPN:
            // it is a fault while provisioning needs the port, a log line once the box is locked.
            try { console = ConsoleDeviceResolver.Resolve(profile.Console); }
            catch (BoardProfileException e)
            {
                bool needed = ProvisioningGate.ShouldOwnConsole(File.Exists(layout.ProvisioningLock),
                    File.Exists(ProvisioningGate.DefaultProvisioningModeFlag));
                services.AddSingleton(new StartupFault("console", e.Message, needed));
            }
        }
        if (console is not null)
        {
            services.AddSingleton<IProvisioningHardware>(sp => new BoardProvisioningHardware(profile,
                sp.GetRequiredService<BoardGpio>(), sp.GetRequiredService<ResetButtonService>()));
            services.AddProvisioningConsole(layout,
                new ProvisioningConsoleOptions { Device = console, BaudRate = profile.Console.BaudRate },
                new ProvisioningSessionOptions
                {
                    FirmwareVersion = Program.FirmwareVersion,
                    ProvisioningMode = File.Exists(ProvisioningGate.DefaultProvisioningModeFlag),
                    LayeredCheck = layeredCheck,
                    Users = UserStoreFile.In(layout),
                    NtPasswordHash = Ike.EapUserStore.NtPasswordHash,
                });
        }

        services.AddHostedService<ControlSocketServer>();
        services.AddHostedService<StartupTasks>();

        // systemd: WATCHDOG=1 while the IKE loop and the data-plane workers make progress; STATUS= with the LEDs.
        services.AddHostedService(sp => new SystemdWatchdog(
            sp.GetService<ISystemdNotifier>() ?? new SystemdNotifier(),
            sp.GetRequiredService<WorkerHeartbeats>(),
            () => LedStatusLine.Render(sp.GetRequiredService<LedService>().GetLeds()),
            SystemdWatchdog.TimeoutFromEnvironment(Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
                Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SystemdWatchdog>>()));
    }

    // Board health: the profile's sensors on hardware; on the simulated board a fake tree under runtime/
    // that `appliance simulate` switches.
    private static void AddHealth(IServiceCollection services, BoardProfile profile, StateLayout layout)
    {
        if (profile.IsSimulated)
        {
            services.AddSingleton(_ => new SimulatedHealthSensors(Path.Combine(layout.RuntimeDirectory, "simulated-board"), profile.Health));
            services.AddSingleton(sp => new BoardHealthSensors(profile.Health, sp.GetRequiredService<SimulatedHealthSensors>().Root));
        }
        else
        {
            services.AddSingleton(_ => new BoardHealthSensors(profile.Health));
        }
        services.AddSingleton(sp => new BoardHealthService(sp.GetRequiredService<BoardHealthSensors>(),
            sp.GetRequiredService<ApplianceStateHolder>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BoardHealthService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<BoardHealthService>());
        services.AddSingleton<IStatusSection, HealthStatusSection>();
    }

    // DHCP and DNS sit beside the data plane on the LAN address, each optional.
    private static void AddLanServices(IServiceCollection services, ApplianceOptions options)
    {
        if (options.Dhcp.Enabled)
        {
            services.AddSingleton<LanServices.DhcpService>();
            services.AddHostedService(sp => sp.GetRequiredService<LanServices.DhcpService>());
        }
        services.AddSingleton<LanServices.HqDnsServers>();
        if (options.Lan.Interface is not null && options.Wan.Interface is not null)
        {
            services.AddSingleton<LanServices.LocalBreakoutService>();
            services.AddHostedService(sp => sp.GetRequiredService<LanServices.LocalBreakoutService>());
            if (options.Dns.Enabled && LanServices.SiteExclusions.AnyDomains(options))
                services.AddSingleton<LanServices.SiteExclusions>();
        }
        if (options.Dns.Enabled)
        {
            services.AddSingleton<LanServices.DnsService>();
            services.AddHostedService(sp => sp.GetRequiredService<LanServices.DnsService>());
        }
        services.AddSingleton<IStatusSection>(sp => new LanServices.LanStatusSection(sp.GetRequiredService<IOptions<ApplianceOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<LanServices.DhcpService>(), sp.GetService<LanServices.DnsService>(),
            sp.GetService<LanServices.LocalBreakoutService>(), sp.GetService<LanServices.SiteExclusions>(), sp.GetService<DataPath.DataPlaneService>()));
    }

    private static ResetButtonService CreateButton(IServiceProvider sp, BoardProfile profile, StateLayout layout)
    {
        var button = new ResetButtonService(profile, sp.GetRequiredService<BoardGpio>(),
            sp.GetRequiredService<ApplianceStateHolder>(), layout, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ResetButtonService>>());
        var commands = sp.GetRequiredService<ControlCommands>();
        var lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
        var state = sp.GetRequiredService<ApplianceStateHolder>();
        button.ShortPress += (_, _) => commands.ReinitiateAll();
        button.FactoryResetCompleted += (_, _) =>
        {
            Environment.ExitCode = ExitAfterFactoryReset;
            lifetime.StopApplication();
        };
        button.Fault += (_, reason) => state.RaiseFault("button", reason);
        button.FaultCleared += (_, _) => state.ClearFault("button");
        return button;
    }
}

/// <summary>A part of the board found unusable while the service was wired: reported at start, never fatal.</summary>
/// <param name="IsFault">Whether it is shown as a fault (FLT, status) or only logged.</param>
internal sealed record StartupFault(string Source, string Reason, bool IsFault);

/// <summary>Things that must happen once everything is constructed: mark booted, show simulated LEDs.</summary>
internal sealed partial class StartupTasks(IServiceProvider services, IHostApplicationLifetime lifetime, BoardProfile profile) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<TunnelHealthBridge>();
        if (profile.IsSimulated)
        {
            _ = new SimulatedBoardConsole(services.GetRequiredService<LedService>());
            services.GetRequiredService<ControlCommands>().Simulation = new SimulatedBoardControl(
                services.GetRequiredService<SimulatedHealthSensors>(), services.GetRequiredService<BoardHealthService>());
        }
        var state = services.GetRequiredService<ApplianceStateHolder>();
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance.Board");
        foreach (StartupFault fault in services.GetServices<StartupFault>())
        {
            if (fault.IsFault) state.RaiseFault(fault.Source, fault.Reason);
            LogStartupFault(logger, fault.Source, fault.Reason);
        }
        lifetime.ApplicationStarted.Register(() => state.MarkBooted());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: {Reason}; the VPN runs without it")]
    private static partial void LogStartupFault(ILogger logger, string source, string reason);
}

using Appliance.Configuration;
using Appliance.Control;
using Appliance.Ike;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Cli;

/// <summary>Registers the service's parts; the only place that knows how they fit together.</summary>
public static class ServiceWiring
{
    public static void Add(IServiceCollection services, ApplianceOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ControlCommands>();
        services.AddSingleton<TunnelHealth>();

        services.AddSingleton<ChildSaTable>();
        services.AddSingleton<IChildSaSink>(sp => sp.GetRequiredService<ChildSaTable>());
        services.AddSingleton<IChildSaCounters>(sp => sp.GetRequiredService<ChildSaTable>());
        services.AddSingleton<IkeService>();
        services.AddHostedService(sp => sp.GetRequiredService<IkeService>());
        services.AddSingleton<IStatusSection, IkeStatusSection>();

        services.AddHostedService<ControlSocketServer>();
    }
}

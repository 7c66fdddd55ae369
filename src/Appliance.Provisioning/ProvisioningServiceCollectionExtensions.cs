using Appliance.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Provisioning;

public static class ProvisioningServiceCollectionExtensions
{
    /// <summary>
    /// Registers the console provisioning service. The host must also register
    /// <see cref="IProvisioningHardware"/> (board + ESP self-test); a <see cref="TimeProvider"/> is added
    /// (System) unless one is registered already.
    /// </summary>
    public static IServiceCollection AddProvisioningConsole(this IServiceCollection services, StateLayout layout,
        ProvisioningConsoleOptions console, ProvisioningSessionOptions session)
    {
        services.AddSingleton(console);
        services.AddSingleton(session);
        services.TryAddSingleton<IProvisioningStore>(_ => new FileProvisioningStore(layout));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<ProvisioningConsoleService>();
        return services;
    }
}

using Appliance.Common;
using Appliance.Configuration;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>
/// The one owner of the box's LAN address and of IPv4 forwarding: applied at start over rtnetlink from
/// Appliance:Lan:Address (and Address6), so the image, the Debian package, the demo and the tests all get the
/// address from the same setting (a provisioned or operator-changed address needs no new networkd file).
/// Started before IKE and the data plane, which read the LAN's addresses.
/// </summary>
public sealed class LanAddressService(IOptions<ApplianceOptions> options, Network.NetworkInterfaceGate interfaces, ILogger<LanAddressService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        interfaces.WhenReady("LAN address", Apply);
        return Task.CompletedTask;
    }

    private void Apply()
    {
        var o = options.Value;
        InterfaceAddress? v4 = InterfaceAddress.TryParse(o.Lan.Address, out var a) ? a : null;
        InterfaceAddress? v6 = InterfaceAddress.TryParse(o.Lan.Address6, out var b) ? b : null;
        var result = LanInterfaceSetup.Apply(o.Lan.Interface!, v4, v6, o.Wan.Interface);
        logger.LogInformation("LAN {Interface}: address {Address}{Address6} ({Added} added, {Removed} stale removed), IPv4 forwarding on",
            o.Lan.Interface, v4, v6 is { } six ? " and " + six : "", result.Added, result.Removed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.Net.NetworkInformation;
using Appliance.Board;
using Appliance.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Appliance.BoardIntegration;

/// <summary>Watches the WAN NIC's link and address so the WAN LED tells "cable unplugged" from "no tunnel".</summary>
public sealed class WanLinkMonitor(IOptions<ApplianceOptions> options, ApplianceStateHolder state, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            state.SetWanLink(IsUp(options.Value.Wan.Interface));
        } while (await WaitAsync(timer, stoppingToken));
    }

    public static bool IsUp(string? name)
    {
        if (string.IsNullOrEmpty(name)) return false;
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == name);
        // veth reports Unknown before its peer is up; an address plus not-Down is what matters here.
        return nic is not null && nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown
            && nic.GetIPProperties().UnicastAddresses.Count > 0;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }
}

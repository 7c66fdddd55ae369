using System.Net;
using System.Net.Sockets;
using Appliance.Linux.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

// Exclusion lists by domain: the DNS forwarder names the addresses, the data plane lets them leave outside the tunnel
// (the SPD says bypass, the kill switch table throws them back to the main table) until their time is up.
public sealed partial class DataPlane
{
    private static readonly TimeSpan ExclusionSweep = TimeSpan.FromSeconds(5);
    private ITimer? _exclusionTimer;

    /// <summary>Addresses of excluded domains currently leaving outside the tunnels.</summary>
    public ExcludedAddresses Excluded { get; }

    /// <summary>Excluded addresses refused because the table was full (the traffic then stays in the tunnel).</summary>
    public long ExclusionsRefused => Interlocked.Read(ref _exclusionsRefused);
    private long _exclusionsRefused;

    /// <summary>
    /// Lets traffic to <paramref name="address"/> leave outside the tunnels for <paramref name="hold"/>: the kill switch
    /// route first, so the kernel forwards the packets the data plane no longer takes. False when that was not possible
    /// (not started, table full, route refused): the address then stays in the tunnel, which never leaks.
    /// </summary>
    public bool Exclude(IPAddress address, string domain, TimeSpan hold)
    {
        var killSwitch = _killSwitch;
        if (killSwitch is null || _stopping) return false;
        switch (Excluded.Add(address, domain, hold))
        {
            case ExcludedAddresses.AddResult.Refreshed:
                return true;
            case ExcludedAddresses.AddResult.Full:
                Interlocked.Increment(ref _exclusionsRefused);
                return false;
        }
        try
        {
            killSwitch.AddRoute(new KillSwitchRoute(HostPrefix(address), KillSwitchAction.Throw));
            return true;
        }
        catch (IOException e)
        {
            Excluded.Remove(address);
            Interlocked.Increment(ref _exclusionsRefused);
            _logger.LogWarning("exclusion of {Address} ({Domain}) not installed: {Message}", address, domain, e.Message);
            return false;
        }
    }

    private void StartExclusions() =>
        _exclusionTimer = _time.CreateTimer(_ => ExpireExclusions(), null, ExclusionSweep, ExclusionSweep);

    // The data path stops bypassing first, then the route goes: in between the kernel forwards what nobody else takes.
    private void ExpireExclusions()
    {
        var killSwitch = _killSwitch;
        if (killSwitch is null) return;
        foreach (var gone in Excluded.Expire())
        {
            try { killSwitch.RemoveRoute(new KillSwitchRoute(HostPrefix(gone.Address), KillSwitchAction.Throw)); }
            catch (IOException e) { _logger.LogWarning("exclusion of {Address} not removed: {Message}", gone.Address, e.Message); }
        }
    }

    private static IPNetwork HostPrefix(IPAddress address) =>
        new(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Appliance.Systemd;

/// <summary>
/// Speaks systemd's notify protocol (READY=1 when the host started, STOPPING=1, WATCHDOG=1, STATUS=) whenever the
/// service manager asked for it by setting NOTIFY_SOCKET, sd_notify(3)'s own rule.
/// Microsoft.Extensions.Hosting.Systemd's AddSystemd() decides differently: it reads /proc/&lt;parent pid&gt;/comm
/// and expects "systemd". Under the unit's ProtectProc=invisible, PID 1 belongs to another user and its /proc
/// entry is hidden, so that check fails and AddSystemd() silently registers nothing: no READY=1, and the
/// Type=notify unit timed out starting and was restarted forever (seen in the shipped unit in a VM).
/// </summary>
public static class SystemdNotifyRegistration
{
    /// <summary>Registers the systemd lifetime and notifier when <paramref name="notifySocket"/> is set; returns whether it did.</summary>
    public static bool AddWhenAsked(IServiceCollection services, string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket)) return false;
        // What AddSystemd() adds once it believes systemd started us; the console log format stays ours.
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<IHostLifetime, SystemdLifetime>();
        return true;
    }
}

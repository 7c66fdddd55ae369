using System.Diagnostics;
using System.Globalization;

namespace Appliance.Vm.Tests.Harness;

/// <summary>
/// One guest of an architecture with everything around it: the cached image booted under qemu, HQ's
/// strongSwan, the LAN and HQ hosts. Shared by the steps of a scenario; torn down (qemu killed, namespaces
/// deleted) however the run ends. Progress and measurements go to out/systest-&lt;arch&gt;.log, which
/// tools/run-tests.sh prints after the counts.
/// </summary>
public abstract class ShippedBox : IDisposable
{
    public const string Psk = "system test pre-shared key";
    public const string BoxId = "branch1.example.com", HqId = "hq.example.com";

    private readonly string _log;
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private SystemTopology? _topology;
    private StrongSwanPeer? _hq;
    private VirtualMachine? _vm;

    protected ShippedBox(string arch)
    {
        Arch = arch;
        Directory.CreateDirectory(Repo.Out);
        _log = Path.Combine(Repo.Out, $"systest-{arch}.log");
        File.WriteAllText(_log, "");
        try
        {
            Image = GuestImage.Ensure(arch, Progress);
            Measure("guest image ready (s)", Image.BuildSeconds);
            _topology = new SystemTopology();
            _hq = new StrongSwanPeer(_topology.Hq, SwanctlConf);
            string run = Path.Combine(Repo.Out, "systest", arch);
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
            Directory.CreateDirectory(run);
            _vm = new VirtualMachine(Image, _topology.Wire, run);
            File.Copy(Repo.Package(arch), Path.Combine(_vm.Share, "appliance.deb"));
            Progress($"qemu started, provisioning UART on {_vm.ProvisioningPty}; waiting for the guest agent");
            _vm.Agent.WaitReady(BootTimeout);
            Measure("first boot to agent (s)", _vm.Started.Elapsed.TotalSeconds);
            WaitBooted();
            Measure("first boot to the end of systemd's start-up (s)", _vm.Started.Elapsed.TotalSeconds);
            Guest("mkdir -p /mnt/host && mountpoint -q /mnt/host || mount -t 9p -o trans=virtio,version=9p2000.L,ro host /mnt/host");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Generous: a TCG boot took 35 s (amd64) and 66 s (arm64) on a quiet machine here, far more under load.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(10);

    public string Arch { get; }

    /// <summary>What the site puts into /etc/default/appliance before installing, or null to leave it to the postinst.</summary>
    public virtual string? SiteDefaults => null;
    public GuestImage Image { get; }
    public SystemTopology Net => _topology!;
    public StrongSwanPeer Hq => _hq!;
    public VirtualMachine Vm => _vm!;

    public string Guest(string script, TimeSpan? timeout = null) => Vm.Agent.Check(script, timeout);
    public GuestAgent.Result TryGuest(string script, TimeSpan? timeout = null) => Vm.Agent.Run(script, timeout ?? TimeSpan.FromSeconds(120));

    /// <summary>Seconds since the guest kernel started.</summary>
    public double GuestUptime() => double.Parse(Guest("cut -d' ' -f1 /proc/uptime").Trim(), CultureInfo.InvariantCulture);

    /// <summary>The main PID of appliance.service, 0 when it is not running.</summary>
    public int ServicePid() => int.Parse(Guest("systemctl show -P MainPID appliance.service").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Waits in the guest until the unit is active with a main PID other than <paramref name="not"/>; returns that PID.</summary>
    public int WaitServiceActive(TimeSpan timeout, int not = 0)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            GuestAgent.Result r;
            // Under TCG on a loaded host a guest just after boot can take longer than one request's timeout: ask again.
            try { r = TryGuest("systemctl is-active appliance.service; systemctl show -P MainPID appliance.service", TimeSpan.FromSeconds(30)); }
            catch (Exception e) when (e is TimeoutException or IOException) { Progress($"waiting for appliance.service: {e.Message.Split('\n')[0]}"); continue; }
            var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 2 && lines[0] == "active" && int.TryParse(lines[1], out int pid) && pid != 0 && pid != not) return pid;
            Thread.Sleep(1000);
        }
        throw new TimeoutException($"appliance.service not active (other than pid {not}) within {timeout}:\n{Journal()}");
    }

    /// <summary>Waits in the guest until `appliance status` shows an installed Child SA; returns the guest's uptime then.</summary>
    public double WaitTunnelUp(TimeSpan timeout)
    {
        int seconds = (int)timeout.TotalSeconds;
        var r = TryGuest($"timeout {seconds} sh -c 'until appliance status 2>/dev/null | grep -q INSTALLED; do sleep 0.5; done' && cut -d' ' -f1 /proc/uptime",
            timeout + TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0)
            throw new TimeoutException($"the tunnel did not come up within {timeout}:\n{TryGuest("appliance status").Output}\n{Journal()}\nHQ:\n{Hq.Log[^Math.Min(Hq.Log.Length, 3000)..]}");
        return double.Parse(r.Output.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
    }

    public string Journal(string unit = "appliance.service", int lines = 80) =>
        TryGuest($"journalctl -b --no-pager -o short-monotonic -n {lines} -u {unit}").Output;

    /// <summary>
    /// Waits until systemd finished starting the boot's units. The agent answers from early boot on (sysinit), when
    /// D-Bus is not up yet: on x86_64 the first step's `networkctl reload` came too early ("Failed to connect system bus").
    /// </summary>
    private void WaitBooted()
    {
        var r = TryGuest("timeout 600 systemctl is-system-running --wait", BootTimeout);
        // "degraded" is a finished start-up too (a unit failed); the steps say which one matters.
        if (r.Output.Trim() is not ("running" or "degraded"))
            throw new TimeoutException($"systemd did not finish starting up: {r.Output}\n{Vm.ConsoleTail()}");
    }

    /// <summary>Reboots the guest (same qemu process) and waits for the agent of the new boot.</summary>
    public void Reboot()
    {
        string bootId = Guest("cat /proc/sys/kernel/random/boot_id").Trim();
        // --no-block: answer at once. Even so the agent may be stopped before its answer leaves (a loaded host under
        // TCG): no answer is not a failure here, the new boot id below is what counts.
        try { TryGuest("systemctl --no-block reboot", TimeSpan.FromSeconds(30)); }
        catch (Exception e) when (e is TimeoutException or IOException) { Progress($"reboot: {e.Message.Split('\n')[0]}"); }
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < BootTimeout)
        {
            Thread.Sleep(2000);
            try
            {
                var r = Vm.Agent.Run("cat /proc/sys/kernel/random/boot_id", TimeSpan.FromSeconds(10));
                if (r.ExitCode == 0 && r.Output.Trim() != bootId)
                {
                    WaitBooted();
                    Guest("mkdir -p /mnt/host && mountpoint -q /mnt/host || mount -t 9p -o trans=virtio,version=9p2000.L,ro host /mnt/host");
                    return;
                }
            }
            catch (Exception e) when (e is TimeoutException or IOException) { }
        }
        throw new TimeoutException($"the guest did not come back from a reboot within {BootTimeout}:\n{Vm.ConsoleTail()}");
    }

    public void Progress(string line)
    {
        string stamped = $"[{_total.Elapsed:hh\\:mm\\:ss}] systest {Arch}: {line}";
        lock (_log) File.AppendAllText(_log, stamped + "\n");
    }

    public void Measure(string what, double seconds) => Progress($"MEASURED {what}: {seconds:F1}");

    private static string SwanctlConf => $$"""
        connections {
          box {
            version = 2
            local_addrs = {{SystemTopology.HqWan}}
            remote_addrs = {{SystemTopology.BoxWan}}
            proposals = aes256gcm16-prfsha256-curve25519
            encap = yes
            dpd_delay = 0
            local {
              auth = psk
              id = {{HqId}}
            }
            remote {
              auth = psk
              id = {{BoxId}}
            }
            children {
              net {
                local_ts = {{SystemTopology.HqSubnet}}
                remote_ts = {{SystemTopology.BoxSubnet}}
                esp_proposals = aes256gcm16
              }
            }
          }
        }
        secrets {
          ike-box {
            id-1 = {{HqId}}
            id-2 = {{BoxId}}
            secret = "{{Psk}}"
          }
        }
        """;

    public void Dispose()
    {
        Progress($"done in {_total.Elapsed.TotalSeconds:F0} s");
        if (_vm is not null && !_vm.HasExited)
            File.WriteAllText(Path.Combine(_vm.RunDirectory, "console-tail.txt"), _vm.ConsoleTail(400));
        _vm?.Dispose();
        _hq?.Dispose();
        _topology?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The arm64 guest (qemu-system-aarch64 -machine virt -cpu cortex-a72), as a Raspberry Pi 4 would run the package.</summary>
public sealed class Arm64Box() : ShippedBox("arm64");

/// <summary>
/// The x86_64 guest (qemu-system-x86_64 -machine q35): the same package on another architecture. Not a Pi, so the
/// site names the console UART the way an installer of the package on other hardware would: the guest's second
/// 16550 (ttyS1) in /etc/default/appliance; everything else is the shipped rpi4 profile (GPIO found by label).
/// </summary>
public sealed class Amd64Box() : ShippedBox("amd64")
{
    public override string? SiteDefaults => "APPLIANCE__Console__Device=/dev/ttyS1";
}

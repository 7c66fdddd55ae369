using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Vm.Tests.Harness;

/// <summary>
/// One qemu guest under TCG (the /dev/kvm here runs only paravirtual kernels: TESTING.md §8), started inside
/// the topology's "wire" namespace. Devices:
/// <list type="bullet">
/// <item>virtio-blk: a per-run copy of the cached root filesystem;</item>
/// <item>virtio-net eth0 on wan-tap (WAN), eth1 on lan-tap (LAN), in that PCI order (net.ifnames=0), and a third on
/// cli-tap (br-wan) for the L2TP/IPsec client harness, which the guest moves into its namespace l2tp-nat at boot;</item>
/// <item>the board's console UART for provisioning on a host pty: on arm64 the PL011 (ttyAMA0, the rpi4
/// profile's fallback), on x86_64 the second 16550 (ttyS1);</item>
/// <item>the kernel console on another UART, kept in console.log; the command agent on virtio-serial;</item>
/// <item>a read-only 9p share (tag "host") that carries the .deb and the test's files into the guest.</item>
/// </list>
/// The guest reboots inside the same qemu process, so the pty, the taps and the agent socket stay.
/// </summary>
public sealed partial class VirtualMachine : IDisposable
{
    private readonly Process _qemu;
    private readonly StringBuilder _output = new();

    public VirtualMachine(GuestImage image, string wireNamespace, string runDirectory)
    {
        RunDirectory = runDirectory;
        Share = Path.Combine(runDirectory, "share");
        Directory.CreateDirectory(Share);
        ConsoleLog = Path.Combine(runDirectory, "console.log");
        AgentSocket = Path.Combine(runDirectory, "agent.sock");
        string disk = Path.Combine(runDirectory, "rootfs.ext4");
        // A sparse copy per run: the cached disk stays pristine.
        Shell.Check("cp", "--sparse=always", image.Disk, disk);

        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["netns", "exec", wireNamespace, .. QemuCommand(image, disk)]) psi.ArgumentList.Add(a);
        _qemu = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu");
        _qemu.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _qemu.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _qemu.BeginOutputReadLine();
        _qemu.BeginErrorReadLine();
        Started = Stopwatch.StartNew();
        // qemu names the pty it made for the console UART: "char device redirected to /dev/pts/N (label prov)".
        if (!Shell.WaitUntil(() => ProvisioningPty is not null || _qemu.HasExited, TimeSpan.FromSeconds(60)))
            throw new TimeoutException("qemu did not start: " + Output);
        if (_qemu.HasExited) throw new InvalidOperationException($"qemu exited ({_qemu.ExitCode}): {Output}");
        Agent = new GuestAgent(AgentSocket);
    }

    public string RunDirectory { get; }
    /// <summary>Host folder the guest mounts read-only at /mnt/host.</summary>
    public string Share { get; }
    public string ConsoleLog { get; }
    public string AgentSocket { get; }
    public GuestAgent Agent { get; }
    public Stopwatch Started { get; }
    public bool HasExited => _qemu.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    public string? ProvisioningPty
    {
        get
        {
            var m = PtyLine().Match(Output);
            return m.Success ? m.Groups[1].Value : null;
        }
    }

    /// <summary>The last lines of the guest's console, for failure messages.</summary>
    public string ConsoleTail(int lines = 60)
    {
        try
        {
            using var f = new FileStream(ConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var r = new StreamReader(f);
            var all = r.ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e) { return $"(no console log: {e.Message})"; }
    }

    private IEnumerable<string> QemuCommand(GuestImage image, string disk)
    {
        bool arm = image.Arch == "arm64";
        string append = $"root=/dev/vda rw console=ttyS0 net.ifnames=0 systemd.show_status=no panic=-1";
        var args = new List<string>
        {
            arm ? "qemu-system-aarch64" : "qemu-system-x86_64",
            "-accel", "tcg,thread=multi", "-smp", "2", "-m", "1024",
            "-display", "none", "-monitor", "none",
            "-kernel", image.Kernel, "-initrd", image.Initrd, "-append", append,
            "-drive", $"file={disk},format=raw,if=none,id=root", "-device", "virtio-blk-pci,drive=root",
            "-netdev", $"tap,id=wan,ifname={SystemTopology.WanTap},script=no,downscript=no", "-device", "virtio-net-pci,netdev=wan,mac=52:54:00:99:00:01",
            "-netdev", $"tap,id=lan,ifname={SystemTopology.LanTap},script=no,downscript=no", "-device", "virtio-net-pci,netdev=lan,mac=52:54:00:01:00:01",
            // After the box's two, so eth0/eth1 keep their PCI order; the guest moves it out of the box's namespace at boot.
            "-netdev", $"tap,id=cli,ifname={SystemTopology.ClientTap},script=no,downscript=no", "-device", $"virtio-net-pci,netdev=cli,mac={SystemTopology.ClientNicMac}",
            "-chardev", $"file,id=con,path={ConsoleLog}",
            "-chardev", "pty,id=prov",
            "-chardev", $"socket,id=agent,path={AgentSocket},server=on,wait=off",
            "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=agent,name=sy.agent",
            "-virtfs", $"local,path={Share},mount_tag=host,security_model=none,readonly=on",
        };
        if (arm)
            // PL011 (ttyAMA0) is the board's console UART; the kernel console is a PCI 16550 (ttyS0).
            args.AddRange(["-machine", "virt", "-cpu", "cortex-a72", "-serial", "chardev:prov", "-device", "pci-serial,chardev=con"]);
        else
            // ttyS0 is the kernel console, ttyS1 the console UART of the board profile the x86_64 run selects.
            args.AddRange(["-machine", "q35", "-serial", "none", "-device", "isa-serial,chardev=con,index=0", "-device", "isa-serial,chardev=prov,index=1"]);
        return args;
    }

    [GeneratedRegex(@"char device redirected to (/dev/pts/\d+) \(label prov\)")]
    private static partial Regex PtyLine();

    public void Dispose()
    {
        Agent?.Dispose();
        try { if (!_qemu.HasExited) _qemu.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _qemu.WaitForExit(10000);
        _qemu.Dispose();
    }
}

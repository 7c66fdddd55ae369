using System.Diagnostics;

namespace Appliance.Vm.Tests.Harness;

/// <summary>
/// The cached guest disk of one architecture, built by tools/systest/build-rootfs.sh when its inputs changed
/// (cold: many minutes under qemu-user; warm: at once). Paths point into the cache outside the clone.
/// </summary>
public sealed class GuestImage
{
    private GuestImage(string arch, string dir, double seconds)
    {
        Arch = arch;
        Directory = dir;
        BuildSeconds = seconds;
        KernelVersion = File.ReadAllText(Path.Combine(dir, "kernel-version")).Trim();
    }

    /// <summary>Debian architecture: arm64 or amd64.</summary>
    public string Arch { get; }
    public string Directory { get; }
    public string Disk => Path.Combine(Directory, "rootfs.ext4");
    public string Kernel => Path.Combine(Directory, "vmlinuz");
    public string Initrd => Path.Combine(Directory, "initrd.img");
    public string KernelVersion { get; }
    /// <summary>How long making (or finding) the image took in this run.</summary>
    public double BuildSeconds { get; }

    public static GuestImage Ensure(string arch, Action<string> progress)
    {
        var sw = Stopwatch.StartNew();
        progress($"guest image {arch}: tools/systest/build-rootfs.sh (cold: 10-30 min, cached afterwards)");
        // The build logs to stderr line by line; keep it for the failure message, forward it as progress.
        var r = Shell.Run("bash", [Path.Combine(Repo.Tools, "build-rootfs.sh"), arch], TimeSpan.FromMinutes(90));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"build-rootfs.sh {arch} failed ({r.ExitCode}):\n{Tail(r.StdErr)}");
        string dir = r.StdOut.Trim().Split('\n')[^1];
        progress($"guest image {arch}: {dir} ({sw.Elapsed.TotalSeconds:F0} s)");
        return new GuestImage(arch, dir, sw.Elapsed.TotalSeconds);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));
}

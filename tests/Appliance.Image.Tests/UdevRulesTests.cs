using System.Text.RegularExpressions;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// 90-appliance.rules run through this machine's `udevadm test` (systemd 252) in a private mount
/// namespace: the rules go to a private /run/udev/rules.d and a private /etc/group adds the gpio
/// group the recipe creates on the box. A broken control rule proves the rules were read.
/// </summary>
public sealed class UdevRulesTests
{
    private static (string Log, int DialoutGid) RunUdevTest(string device)
    {
        Tools.Require("udevadm", "systemd (udev)");
        Tools.Require("unshare", "util-linux");
        string dir = Directory.CreateTempSubdirectory("img-udev-").FullName;
        try
        {
            string groups = File.ReadAllText("/etc/group");
            int dialout = int.Parse(Regex.Match(groups, @"^dialout:[^:]*:(\d+):", RegexOptions.Multiline).Groups[1].Value);
            if (!Regex.IsMatch(groups, "^gpio:", RegexOptions.Multiline)) groups += "gpio:x:64999:\n";
            File.WriteAllText(Path.Combine(dir, "group"), groups);
            File.Copy(Repo.UdevRules, Path.Combine(dir, "90-appliance.rules"));
            File.WriteAllText(Path.Combine(dir, "99-control.rules"), "SUBSYSTEM==\"tty\", KERNEL=\"ttyS*\", GROUP=\"dialout\"\n");
            string script =
                $"mount --bind {dir}/group /etc/group && mount -t tmpfs none /run && mkdir -p /run/udev/rules.d && " +
                $"cp {dir}/*.rules /run/udev/rules.d/ && udevadm test --action=add {device}";
            var r = Tools.Run("unshare", ["-m", "sh", "-c", script]);
            Assert.True(r.ExitCode == 0, $"udevadm test needs root (a private mount namespace): {r}");
            return (r.Stdout + r.Stderr, dialout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string SerialDevice()
    {
        foreach (string tty in new[] { "ttyAMA0", "ttyS0" })
            if (Directory.Exists($"/sys/class/tty/{tty}")) return $"/class/tty/{tty}";
        Assert.Fail("no /sys/class/tty/ttyS0 or ttyAMA0 on this machine to test the UART rule with");
        return "";
    }

    [Fact]
    public void Udev_reads_the_rules_without_a_complaint()
    {
        var (log, _) = RunUdevTest(SerialDevice());
        Assert.Contains("Reading rules file: /run/udev/rules.d/90-appliance.rules", log, StringComparison.Ordinal);
        Assert.True(log.Contains("99-control.rules:1 Invalid operator for KERNEL", StringComparison.Ordinal),
            $"udev did not report the broken control rule, so the check proves nothing:\n{log}");
        var complaints = log.Split('\n').Where(l => l.StartsWith("/run/udev/rules.d/90-appliance.rules:", StringComparison.Ordinal)).ToList();
        Assert.True(complaints.Count == 0, string.Join('\n', complaints));
    }

    [Fact]
    public void The_console_uart_gets_group_dialout_and_mode_0660_from_the_rules()
    {
        string device = SerialDevice();
        var (log, dialout) = RunUdevTest(device);
        string tty = Path.GetFileName(device);
        Assert.Matches(new Regex($@"^{tty}: /run/udev/rules\.d/90-appliance\.rules:\d+ GROUP {dialout}$", RegexOptions.Multiline), log);
        Assert.Matches(new Regex($@"^{tty}: /run/udev/rules\.d/90-appliance\.rules:\d+ MODE 0660$", RegexOptions.Multiline), log);
    }
}

using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// The systemd-networkd files the image installs per board, parsed by this machine's own
/// systemd-networkd (252) inside a private network namespace (only lo: nothing of the host is
/// configured) and a private /run holding the files. A deliberately broken control file proves the
/// parse happened; the image's files must produce no complaint at all.
/// </summary>
public sealed class NetworkUnitTests
{
    private static Dictionary<string, byte[]> NetworkFiles(string board) =>
        Staging.Contents().Where(e => e.Key.StartsWith($"config/{board}/", StringComparison.Ordinal) && e.Key.EndsWith(".network", StringComparison.Ordinal))
            .ToDictionary(e => Path.GetFileName(e.Key), e => e.Value);

    public static TheoryData<string> HardwareBoards() => new(Boards.Names().Where(n => n != "simulated"));

    [Theory]
    [MemberData(nameof(HardwareBoards))]
    public void Wan_uses_dhcp_and_lan_comes_up_without_an_address_on_the_profiles_interfaces(string board)
    {
        var files = NetworkFiles(board);
        var profile = Boards.Load(board);
        string wan = System.Text.Encoding.UTF8.GetString(files["10-appliance-wan.network"]);
        string lan = System.Text.Encoding.UTF8.GetString(files["20-appliance-lan.network"]);
        Assert.Contains($"\nName={profile.Wan}\n", wan, StringComparison.Ordinal);
        Assert.Contains("\nDHCP=ipv4\n", wan, StringComparison.Ordinal);
        Assert.Contains($"\nName={profile.Lan}\n", lan, StringComparison.Ordinal);
        Assert.DoesNotContain("DHCP=", lan, StringComparison.Ordinal);
        Assert.DoesNotContain("Address=", lan, StringComparison.Ordinal);
        Assert.Contains("${systemd_unitdir}/network/", File.ReadAllText(Repo.ServiceRecipe), StringComparison.Ordinal);
    }

    [Fact]
    public void Systemd_networkd_parses_every_boards_files_without_a_warning()
    {
        const string networkd = "/lib/systemd/systemd-networkd";
        Assert.True(File.Exists(networkd), $"{networkd} is missing: tools/install-deps.sh installs the Debian package systemd");
        Tools.Require("ip", "iproute2");
        Tools.Require("unshare", "util-linux");
        string dir = Directory.CreateTempSubdirectory("img-networkd-").FullName;
        string ns = $"img-nd{Environment.ProcessId}";
        try
        {
            foreach (string board in Boards.Names())
                foreach (var (name, data) in NetworkFiles(board))
                    File.WriteAllBytes(Path.Combine(dir, $"{board}-{name}"), data);
            Assert.NotEmpty(Directory.GetFiles(dir));
            File.WriteAllText(Path.Combine(dir, "99-control.network"), "[Match]\nName=lo\n\n[Network]\nDHCPP=yes\n");

            var add = Tools.Run("ip", ["netns", "add", ns]);
            Assert.True(add.ExitCode == 0, $"ip netns add needs root: {add}");
            string script =
                "mount -t tmpfs none /run && mkdir -p /run/systemd/network && chmod 755 /run/systemd /run/systemd/network && " +
                $"cp {dir}/*.network /run/systemd/network/ && " +
                $"SYSTEMD_LOG_TARGET=console timeout 4 {networkd}; exit 0";
            var r = Tools.Run("ip", ["netns", "exec", ns, "unshare", "-m", "sh", "-c", script]);
            string log = r.Stdout + r.Stderr;
            Assert.True(log.Contains("99-control.network:5: Unknown key 'DHCPP'", StringComparison.Ordinal),
                $"networkd did not parse the control file, so the check proves nothing:\n{log}");
            var complaints = log.Split('\n').Where(l => l.Contains("-appliance-", StringComparison.Ordinal)).ToList();
            Assert.True(complaints.Count == 0, string.Join('\n', complaints));
        }
        finally
        {
            Tools.Run("ip", ["netns", "del", ns]);
            Directory.Delete(dir, recursive: true);
        }
    }
}

using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// The Debian package (image/scripts/build-deb.py) is the second way to ship the box: it must carry the very
/// unit, console units, udev rules, networkd files and default configuration the Yocto recipe installs (one
/// source), the staged binary, the dlopen'ed libraries as dependencies, and pass lintian without errors.
/// The package is built once for the class from the same published arm64 binary the staging uses.
/// </summary>
public sealed class DebPackageTests(DebPackageTests.Package package) : IClassFixture<DebPackageTests.Package>
{
    public sealed class Package : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("img-deb-").FullName;

        public Package()
        {
            Staging.EnsureStaged();
            // xz over an 11 MB tree is slow on a loaded 2-core machine: a generous limit, not the default 2 minutes.
            var r = Tools.Run("/usr/bin/python3", [Path.Combine(Repo.Image, "scripts", "build-deb.py"), Staging.PublishDirectory, Repo.Boards, "arm64", _dir],
                timeout: TimeSpan.FromMinutes(10));
            Assert.True(r.ExitCode == 0, $"build-deb.py failed:\n{r}");
            Deb = Directory.GetFiles(_dir, "appliance_*_arm64.deb").Single();
            Root = Path.Combine(_dir, "root");
            r = Tools.Run("dpkg-deb", ["-R", Deb, Root]);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public string Deb { get; }
        public string Root { get; }

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }

    private string Root => package.Root;
    private string Deb => package.Deb;

    private byte[] Installed(string path) => File.ReadAllBytes(Path.Combine(Root, path.TrimStart('/')));

    [Fact]
    public void Package_installs_the_recipes_units_and_rules_and_the_staged_configuration_of_rpi4()
    {
        foreach (string unit in (string[])["appliance.service", "appliance-console-select.service", "appliance-provisioning.target"])
            Assert.Equal(File.ReadAllBytes(Path.Combine(Repo.ServiceRecipeDir, "files", unit)), Installed($"/lib/systemd/system/{unit}"));
        Assert.Equal(File.ReadAllBytes(Repo.UdevRules), Installed("/lib/udev/rules.d/90-appliance.rules"));

        var staged = Staging.Contents();
        Assert.Equal(staged["config/rpi4/appliance.json"], Installed("/etc/appliance/appliance.json"));
        foreach (string network in (string[])["10-appliance-wan.network", "20-appliance-lan.network"])
            Assert.Equal(staged[$"config/rpi4/{network}"], Installed($"/lib/systemd/network/{network}"));
        foreach (string board in Boards.Names())
            Assert.Equal(staged[$"board/{board}/board.json"], Installed($"/usr/share/appliance/board/{board}/board.json"));
        Assert.Equal(staged["appliance"], Installed("/usr/lib/appliance/appliance"));
        Assert.Equal("../lib/appliance/appliance", new FileInfo(Path.Combine(Root, "usr/bin/appliance")).LinkTarget);
    }

    [Fact]
    public void Control_names_the_dlopened_libraries_the_conffile_and_runnable_maintainer_scripts()
    {
        string control = File.ReadAllText(Path.Combine(Root, "DEBIAN", "control"));
        string depends = control.Split('\n').Single(l => l.StartsWith("Depends: ", StringComparison.Ordinal));
        // The binary's only NEEDED entries are glibc's; OpenSSL 3 and libgpiod are loaded with dlopen; nft makes the LAN's breakout.
        foreach (string package in (string[])["libc6", "libssl3", "libgpiod2", "adduser", "nftables"])
            Assert.Contains(package, depends, StringComparison.Ordinal);
        Assert.Contains("Architecture: arm64", control, StringComparison.Ordinal);
        Assert.Equal("/etc/appliance/appliance.json", File.ReadAllText(Path.Combine(Root, "DEBIAN", "conffiles")).Trim());
        foreach (string script in (string[])["postinst", "prerm", "postrm"])
        {
            var r = Tools.Run("sh", ["-n", Path.Combine(Root, "DEBIAN", script)]);
            Assert.True(r.ExitCode == 0, $"{script}: {r}");
        }
    }

    [Fact]
    public void Lintian_finds_no_error_and_no_warning()
    {
        Tools.Require("lintian", "lintian");
        var r = Tools.Run("lintian", ["--fail-on", "error,warning", "--tag-display-limit", "0", Deb], timeout: TimeSpan.FromMinutes(10));
        Assert.True(r.ExitCode == 0, $"lintian:\n{r}");
    }
}

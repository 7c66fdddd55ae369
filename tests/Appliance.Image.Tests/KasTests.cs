using System.Text.RegularExpressions;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

public sealed class KasTests
{
    public static TheoryData<string> MachineFiles() => new(KasConfig.MachineFiles().Select(Path.GetFileName)!);

    [Fact]
    public void There_is_a_kas_file_for_the_pi4_the_pi5_and_the_cm4()
    {
        Assert.Equal(["cm4.yml", "raspberrypi4-64.yml", "raspberrypi5.yml"], KasConfig.MachineFiles().Select(Path.GetFileName));
    }

    // The bitbake branch that goes with each release (bitbake's own numbering).
    private static readonly Dictionary<string, string> BitbakeOf = new(StringComparer.Ordinal)
    {
        ["scarthgap"] = "2.8",
        ["wrynose"] = "2.18",
    };

    /// <summary>Every machine file alone (scarthgap) and with each release overlay.</summary>
    public static TheoryData<string, string> MachineAndRelease()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in KasConfig.MachineFiles().Select(Path.GetFileName)!)
        {
            data.Add(file!, "");
            foreach (string overlay in KasConfig.ReleaseOverlays()) data.Add(file!, Path.GetFileName(overlay));
        }
        return data;
    }

    [Fact]
    public void Both_live_lts_releases_have_kas_files()
    {
        var releases = KasConfig.MachineFiles().SelectMany(f =>
            new[] { Release(KasConfig.Load(f)) }.Concat(KasConfig.ReleaseOverlays().Select(o => Release(KasConfig.Load(f, o)))));
        Assert.Equal(["scarthgap", "wrynose"], releases.Distinct().Order(StringComparer.Ordinal));
        // An overlay is named after the release it selects (parse.py and `make image RELEASE=` rely on it).
        foreach (string overlay in KasConfig.ReleaseOverlays())
            Assert.Equal(Path.GetFileNameWithoutExtension(overlay), Release(KasConfig.Load(KasConfig.MachineFiles().First(), overlay)));
    }

    [Theory]
    [MemberData(nameof(MachineAndRelease))]
    public void Debian_kas_3_1_loads_the_file_and_every_layer_is_on_one_release(string file, string overlay)
    {
        var kas = overlay.Length == 0 ? KasConfig.Load(Path.Combine(Repo.Kas, file))
            : KasConfig.Load(Path.Combine(Repo.Kas, file), Path.Combine(Repo.Kas, "release", overlay));
        Assert.Empty(kas.Root.GetProperty("_missing_repos").EnumerateArray());
        foreach (string f in new[] { Path.Combine(Repo.Kas, file), Path.Combine(Repo.Kas, "release", overlay) }.Where(File.Exists))
        {
            int header = int.Parse(File.ReadAllText(f).Split("version:")[1].Trim().Split('\n')[0]);
            Assert.True(header <= kas.Root.GetProperty("_kas_file_version").GetInt32(), $"{f}: header version {header} is newer than Debian's kas reads");
        }

        // poky has no wrynose branch: the layers come from their own repositories on both releases, and
        // openembedded-core's oe-init-build-env finds bitbake beside it (kas checks out repos side by side).
        var remote = kas.Repos.Where(r => r.Url is not null).ToList();
        Assert.Equal(["bitbake", "meta-openembedded", "meta-raspberrypi", "meta-yocto", "openembedded-core"], remote.Select(r => r.Name).Order());
        string release = Release(kas);
        Assert.Single(remote.Where(r => r.Name != "bitbake").Select(r => r.Refspec).Distinct());
        Assert.Equal(BitbakeOf[release], remote.Single(r => r.Name == "bitbake").Refspec);
        Assert.Empty(remote.Single(r => r.Name == "bitbake").Layers);
        // The release all layers are pinned to is one the layer declares itself compatible with.
        var conf = BitbakeFile.Load(Path.Combine(Repo.Layer, "conf", "layer.conf"));
        Assert.Contains(release, conf.Words("LAYERSERIES_COMPAT_appliance"));
        // The layers of the issue: meta (oe-core), meta-poky (the distro's base), meta-oe (libgpiod), meta-raspberrypi,
        // and meta-networking (nftables) with meta-python, which it needs.
        Assert.Equal(["image/meta-appliance", "meta", "meta-networking", "meta-oe", "meta-poky", "meta-python", "meta-raspberrypi"],
            kas.Repos.SelectMany(r => r.Layers).Order(StringComparer.Ordinal));

        var local = Assert.Single(kas.Repos, r => r.Url is null);
        Assert.Equal(["image/meta-appliance"], local.Layers);
        Assert.True(Directory.Exists(Path.Combine(Repo.Root, local.Layers[0], "conf")));
    }

    private static string Release(KasConfig kas) => kas.Repos.Single(r => r.Name == "openembedded-core").Refspec!;

    [Theory]
    [MemberData(nameof(MachineFiles))]
    public void Distro_and_target_exist_in_the_layer(string file)
    {
        var kas = KasConfig.Load(Path.Combine(Repo.Kas, file));
        Assert.True(File.Exists(Path.Combine(Repo.Layer, "conf", "distro", kas.Distro + ".conf")), $"no conf/distro/{kas.Distro}.conf");
        Assert.Single(Directory.GetFiles(Repo.Layer, kas.Target + ".bb", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(MachineFiles))]
    public void The_machine_is_the_board_profiles_yocto_machine(string file)
    {
        var kas = KasConfig.Load(Path.Combine(Repo.Kas, file));
        var m = Regex.Match(kas.LocalConf, @"^APPLIANCE_BOARD = ""(?<b>[a-z0-9]+)""", RegexOptions.Multiline);
        Assert.True(m.Success, $"{file} does not set APPLIANCE_BOARD");
        var profile = Boards.Load(m.Groups["b"].Value);
        Assert.Equal(profile.YoctoMachine, kas.Machine);
    }

    [Fact]
    public void The_cm4_turns_on_usb_host_mode_for_its_usb_lan_adapter()
    {
        var kas = KasConfig.Load(Path.Combine(Repo.Kas, "cm4.yml"));
        Assert.Equal("eth1", Boards.Load("cm4").Lan); // the USB adapter, as on the Pi 4
        Assert.Contains("RPI_EXTRA_CONFIG = \"otg_mode=1\"", kas.LocalConf, StringComparison.Ordinal);
        foreach (string other in new[] { "raspberrypi4-64.yml", "raspberrypi5.yml" })
            Assert.DoesNotContain("otg_mode", KasConfig.Load(Path.Combine(Repo.Kas, other)).LocalConf, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kas_layers_include_every_layer_the_package_list_relies_on()
    {
        var layers = KasConfig.MachineFiles().Select(f => KasConfig.Load(f))
            .SelectMany(k => k.Repos.SelectMany(r => r.Layers.Select(l => Path.GetFileName(l))))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var p in PackageList.Load())
            Assert.True(layers.Contains(p.Layer), $"{p.Package} comes from {p.Layer}, which the kas files do not add");
    }
}

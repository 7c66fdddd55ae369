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

    [Theory]
    [MemberData(nameof(MachineFiles))]
    public void Debian_kas_3_1_loads_the_file_and_every_layer_is_on_one_release(string file)
    {
        var kas = KasConfig.Load(Path.Combine(Repo.Kas, file));
        Assert.Empty(kas.Root.GetProperty("_missing_repos").EnumerateArray());
        int header = int.Parse(File.ReadAllText(Path.Combine(Repo.Kas, file)).Split("version:")[1].Trim().Split('\n')[0]);
        Assert.True(header <= kas.Root.GetProperty("_kas_file_version").GetInt32(), $"header version {header} is newer than Debian's kas reads");

        var remote = kas.Repos.Where(r => r.Url is not null).ToList();
        Assert.Equal(["meta-openembedded", "meta-raspberrypi", "poky"], remote.Select(r => r.Name).Order());
        string release = Assert.Single(remote.Select(r => r.Refspec).Distinct())!;
        // The release all layers are pinned to is one the layer declares itself compatible with.
        var conf = BitbakeFile.Load(Path.Combine(Repo.Layer, "conf", "layer.conf"));
        Assert.Contains(release, conf.Words("LAYERSERIES_COMPAT_appliance"));

        var local = Assert.Single(kas.Repos, r => r.Url is null);
        Assert.Equal(["image/meta-appliance"], local.Layers);
        Assert.True(Directory.Exists(Path.Combine(Repo.Root, local.Layers[0], "conf")));
    }

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
        var layers = KasConfig.MachineFiles().Select(KasConfig.Load)
            .SelectMany(k => k.Repos.SelectMany(r => r.Layers.Select(l => Path.GetFileName(l))))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var p in PackageList.Load())
            Assert.True(layers.Contains(p.Layer), $"{p.Package} comes from {p.Layer}, which the kas files do not add");
    }
}

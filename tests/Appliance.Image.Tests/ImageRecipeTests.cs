using System.Text.RegularExpressions;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

public sealed class ImageRecipeTests
{
    private static BitbakeFile Image => BitbakeFile.Load(Repo.ImageRecipe);

    [Fact]
    public void Image_is_core_image_minimal_with_systemd_and_a_read_only_root()
    {
        Assert.Contains(Image.Directives, d => d.Kind == "require" && d.Argument == "recipes-core/images/core-image-minimal.bb");
        Assert.Contains("systemd", Image.Words("REQUIRED_DISTRO_FEATURES"));
        Assert.Contains(Image.Directives, d => d.Kind == "inherit" && d.Argument.Split(' ').Contains("features_check"));
        Assert.Contains("read-only-rootfs", Image.Words("IMAGE_FEATURES"));
    }

    [Fact]
    public void Image_installs_with_append_only()
    {
        // A plain IMAGE_INSTALL = would drop core-image-minimal's packagegroup-core-boot.
        Assert.DoesNotContain(Image.Assignments, a => a.Name == "IMAGE_INSTALL");
        Assert.Contains(Image.Assignments, a => a.Name == "IMAGE_INSTALL:append" && a.Value.StartsWith(' '));
    }

    [Fact]
    public void The_wks_file_exists_and_has_boot_root_and_data_partitions()
    {
        string wks = Image.Value("WKS_FILE")!;
        string path = WksPath;
        Assert.True(File.Exists(path), $"WKS_FILE {wks} is not next to the image recipe");
        var parts = File.ReadAllLines(path).Where(l => l.StartsWith("part ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal(["/boot", "/", Appliance.Common.StateLayout.DefaultStateDirectory], parts);
        string data = File.ReadAllLines(path).Single(l => l.StartsWith($"part {Appliance.Common.StateLayout.DefaultStateDirectory} ", StringComparison.Ordinal));
        // The data partition never contains a filesystem image from the build (no --source): it is
        // created empty and re-created by x-systemd.makefs after a factory wipe.
        Assert.DoesNotContain("--source", data, StringComparison.Ordinal);
        Assert.Contains("x-systemd.makefs", data, StringComparison.Ordinal);
        Assert.Contains("data=journal", data, StringComparison.Ordinal);
        Assert.Contains("wic.bz2", Image.Words("IMAGE_FSTYPES"));
    }

    // wic searches the image recipe's own folder first (WKS_SEARCH_PATH starts with THISDIR) on scarthgap and
    // wrynose alike; a layer's top-level wic/ folder is only searched by scarthgap, and wrynose's sanity check
    // refuses a layer that has one ("wic/wks files ... need to be moved to files/wic").
    private static string WksPath => Path.Combine(Path.GetDirectoryName(Repo.ImageRecipe)!, Image.Value("WKS_FILE")!);

    [Fact]
    public void The_layer_has_no_top_level_wic_folder_which_wrynose_refuses()
    {
        Assert.False(Directory.Exists(Path.Combine(Repo.Layer, "wic")), "meta-appliance/wic: wrynose's sanity check fails the parse");
    }

    [Fact]
    public void The_distro_is_not_named_like_a_recipe_of_the_layer()
    {
        // DISTRO is in OVERRIDES: a distro named like a recipe's PN turns that recipe's :${PN} overrides
        // into global ones (oe-core's pn-overrides and pkgvarcheck QA stop the parse).
        var distro = BitbakeFile.Load(Repo.DistroConf).Value("DISTRO")!;
        Assert.Equal(Path.GetFileNameWithoutExtension(Repo.DistroConf), distro);
        var pns = Directory.GetFiles(Repo.Layer, "*.bb", SearchOption.AllDirectories)
            .Select(f => Path.GetFileNameWithoutExtension(f).Split('_')[0]).ToList();
        Assert.Contains("appliance", pns);
        Assert.DoesNotContain(distro, pns);
        foreach (string kas in KasConfig.MachineFiles())
            Assert.Equal(distro, KasConfig.Load(kas).Distro);
    }

    // wic's `part` options (openembedded-core scripts/lib/wic/ksparser.py, argparse: a misspelt one is a wic error).
    private static readonly HashSet<string> WicPartOptions = new(StringComparer.Ordinal)
    {
        "--active", "--align", "--offset", "--exclude-path", "--include-path", "--change-directory", "--extra-space",
        "--fsoptions", "--fspassno", "--fstype", "--hidden", "--label", "--use-label", "--mkfs-extraopts", "--mbr",
        "--no-table", "--ondisk", "--ondrive", "--overhead-factor", "--part-name", "--part-type", "--rootfs-dir",
        "--type", "--size", "--fixed-size", "--source", "--sourceparams", "--system-id", "--use-uuid", "--uuid",
        "--fsuuid", "--no-fstab-update",
    };

    [Fact]
    public void Wks_parts_use_only_wic_options_and_put_root_second_where_meta_raspberrypi_cmdline_expects_it()
    {
        string path = WksPath;
        var parts = File.ReadAllLines(path).Where(l => l.StartsWith("part ", StringComparison.Ordinal)).ToList();
        foreach (string part in parts)
        {
            // Split on spaces outside quotes: --fsoptions "a,b" is one option with one value.
            var tokens = Regex.Matches(part, "\"[^\"]*\"|\\S+").Select(m => m.Value).ToList();
            foreach (string option in tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(WicPartOptions.Contains(option.Split('=')[0]), $"unknown wic option {option} in: {part}");
            int size = tokens.IndexOf("--size");
            if (size >= 0) Assert.Matches("^[0-9]+[KMG]?$", tokens[size + 1]);
        }
        // rpi-cmdline's default CMDLINE_ROOTFS is root=/dev/mmcblk0p2.
        Assert.StartsWith("part / ", parts[1], StringComparison.Ordinal);
        Assert.Contains("--ondisk mmcblk0", parts[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_package_name_of_the_layer_is_in_the_package_list_and_provided_by_a_listed_layer()
    {
        var list = PackageList.Load().ToDictionary(p => p.Package, StringComparer.Ordinal);
        var checker = new LayerChecker(Repo.Layer);
        var names = checker.Recipes.SelectMany(r =>
            r.Words("IMAGE_INSTALL").Concat(r.Words("RDEPENDS")).Concat(r.Words("RRECOMMENDS"))).Distinct().ToList();
        Assert.NotEmpty(names);
        foreach (string name in names)
            Assert.True(list.ContainsKey(name), $"{name} is installed or depended on but not in image/packages.txt");
        // Packages the layer itself must provide have a recipe here.
        foreach (var p in list.Values.Where(p => p.Layer == "meta-appliance"))
            Assert.NotEmpty(Directory.GetFiles(Repo.Layer, $"{p.Recipe}_*.bb", SearchOption.AllDirectories));
        // The appliance needs meta-oe for libgpiod: the list and layer.conf agree.
        Assert.Contains(list.Values, p => p.Layer == "meta-oe" && p.Package == "libgpiod");
    }

    [Fact]
    public void Recipe_uses_colon_overrides_for_package_variables()
    {
        var recipe = BitbakeFile.Load(Repo.ServiceRecipe);
        foreach (string v in new[] { "SYSTEMD_SERVICE", "RDEPENDS", "USERADD_PARAM", "GROUPADD_PARAM", "INSANE_SKIP", "FILES", "PRIVATE_LIBS" })
            Assert.Contains(recipe.Assignments, a => a.Name == v + ":${PN}");
        Assert.Equal("appliance.service appliance-console-select.service", recipe.Value("SYSTEMD_SERVICE:${PN}"));
        // already-stripped is the only QA check the prebuilt NativeAOT executable needs skipped.
        Assert.Equal("already-stripped", recipe.Value("INSANE_SKIP:${PN}"));
        Assert.Equal("1", recipe.Value("INHIBIT_DEFAULT_DEPS"));
    }
}

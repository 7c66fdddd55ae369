using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// bitbake is not available here (not packaged for Debian 12; only Debian, NuGet and npm are
/// reachable), so the layer is held to a static checker of the mistakes shared/TESTING.md §7 lists.
/// The checker itself is proven on broken recipes below.
/// </summary>
public sealed class LayerCheckerTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("img-layer-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    // What stage.py packs at the top of S: the licence texts come from these repository files.
    private static byte[]? RepositoryLicences(string recipe, string relative) => relative switch
    {
        "LICENSE" => File.ReadAllBytes(Path.Combine(Repo.Root, "LICENSE")),
        "LICENSE.libsodium" => File.ReadAllBytes(Path.Combine(Repo.Image, "licenses", "libsodium-LICENSE")),
        _ => null,
    };

    [Fact]
    public void Layer_passes_every_static_check_except_the_staged_tarball()
    {
        var problems = new LayerChecker(Repo.Layer, RepositoryLicences).Check()
            .Where(p => !p.Contains("staged by `make image-stage`", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Layer_passes_every_static_check_against_the_staged_tarball()
    {
        Staging.EnsureStaged();
        var problems = new LayerChecker(Repo.Layer).Check();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_bitbake_file_of_the_layer_is_found_and_parses()
    {
        var checker = new LayerChecker(Repo.Layer);
        var names = checker.Files.Select(f => Path.GetRelativePath(Repo.Layer, f.Path)).ToList();
        Assert.Contains("conf/layer.conf", names);
        Assert.Contains("conf/distro/appliance-os.conf", names);
        Assert.Contains(Path.GetRelativePath(Repo.Layer, Repo.ServiceRecipe), names);
        Assert.Contains("recipes-core/images/appliance-image.bb", names);
        foreach (var f in checker.Files) Assert.True(f.Errors.Count == 0, $"{f.Path}: {string.Join('\n', f.Errors)}");
    }

    [Fact]
    public void Layer_conf_declares_both_live_lts_releases_and_its_dependencies()
    {
        var conf = BitbakeFile.Load(Path.Combine(Repo.Layer, "conf", "layer.conf"));
        string collection = Assert.Single(conf.Words("BBFILE_COLLECTIONS"));
        Assert.Equal(["scarthgap", "wrynose"], conf.Words($"LAYERSERIES_COMPAT_{collection}").Order());
        Assert.NotNull(conf.Value($"BBFILE_PATTERN_{collection}"));
        Assert.NotNull(conf.Value($"BBFILE_PRIORITY_{collection}"));
        // libgpiod is in meta-oe (collection openembedded-layer), nftables in meta-networking, the machines in meta-raspberrypi.
        Assert.Equal(["core", "networking-layer", "openembedded-layer", "raspberrypi"], conf.Words($"LAYERDEPENDS_{collection}").Order());
        string files = conf.Value("BBFILES")!;
        Assert.Contains("${LAYERDIR}/recipes-*/*/*.bb", files, StringComparison.Ordinal);
    }

    // Each broken variant of a minimal prebuilt recipe must produce the named complaint.
    public static TheoryData<string, string, string> BrokenRecipes => new()
    {
        { "old append", "SRC_URI_append = \" file://extra\"\n", "old '_' override syntax" },
        { "old package override", "RDEPENDS_${PN} = \"libssl\"\n", "old '_' override syntax" },
        { "old systemd override", "SYSTEMD_SERVICE_${PN} = \"x.service\"\n", "old '_' override syntax" },
        { "old function override", "do_install_append() {\n    true\n}\n", "function 'do_install_append'" },
        { "S in WORKDIR", "S = \"${WORKDIR}\"\n", "is not below UNPACKDIR" },
        { "S only UNPACKDIR", "S = \"${UNPACKDIR}\"\n", "no WORKDIR fallback" },
        { "toolchain pulled in", "INHIBIT_DEFAULT_DEPS = \"0\"\n", "INHIBIT_DEFAULT_DEPS" },
        { "wrong md5", "LIC_FILES_CHKSUM = \"file://LICENSE;md5=00000000000000000000000000000000\"\n", "LIC_FILES_CHKSUM md5 of LICENSE" },
        { "licence file missing", "LIC_FILES_CHKSUM = \"file://COPYING;md5=531055914e97d2b9d3a1b42107663b71\"\n", "names COPYING, which is not in S" },
        { "missing source", "SRC_URI += \"file://nowhere.conf\"\n", "file://nowhere.conf does not exist" },
        { "undefined variable", "FILES:${PN} += \"${APPLIANCE_TYPO}/x\"\n", "${APPLIANCE_TYPO} is neither defined" },
        { "unit not installed", "SYSTEMD_SERVICE:${PN} = \"other.service\"\n", "other.service but do_install does not install it" },
        { "unterminated function", "do_install:append() {\n    true\n", "has no closing" },
        { "append without space", "RDEPENDS:${PN}:append = \"libssl\"\n", "does not start with a space" },
        { "unknown class", "inherit systemdd\n", "inherit systemdd: no such class" },
        { "unknown require", "require recipes-core/images/core-image-minimall.bb\n", "not found in the layer and not a known poky file" },
        { "not bitbake", "RDEPENDS:${PN} libssl\n", "not a bitbake statement" },
    };

    private const string GoodRecipe = """
        SUMMARY = "test"
        LICENSE = "MIT"
        LIC_FILES_CHKSUM = "file://LICENSE;md5=531055914e97d2b9d3a1b42107663b71"
        SRC_URI = "file://good.service"
        S = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}"
        INHIBIT_DEFAULT_DEPS = "1"
        do_compile[noexec] = "1"
        inherit systemd
        SYSTEMD_SERVICE:${PN} = "good.service"
        do_install() {
            install -D -m 0644 ${S}/good.service ${D}${systemd_system_unitdir}/good.service
        }

        """;

    private List<string> CheckRecipe(string text)
    {
        string dir = Path.Combine(_tmp, "meta-test", "recipes-test", "good");
        Directory.CreateDirectory(Path.Combine(dir, "files"));
        File.WriteAllText(Path.Combine(dir, "files", "good.service"), "[Service]\nExecStart=/bin/true\n");
        File.WriteAllText(Path.Combine(dir, "good_1.0.bb"), text);
        return new LayerChecker(Path.Combine(_tmp, "meta-test"), RepositoryLicences).Check();
    }

    [Fact]
    public void A_correct_minimal_recipe_passes()
    {
        var problems = CheckRecipe(GoodRecipe);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(BrokenRecipes))]
    public void The_checker_catches(string mistake, string line, string expected)
    {
        var problems = CheckRecipe(GoodRecipe + line);
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)),
            $"{mistake}: expected a problem containing '{expected}', got:\n{string.Join('\n', problems)}");
    }
}

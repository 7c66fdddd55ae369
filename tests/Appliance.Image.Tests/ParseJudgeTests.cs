using System.Text.Json;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// image/scripts/bitbake_log.py decides whether `make image-parse` passes: these feed it bitbake output
/// of the kinds seen on scarthgap and wrynose and check what fails a configuration and what is only listed.
/// </summary>
public sealed class ParseJudgeTests
{
    private const string Layer = "/var/cache/appliance-image-parse/scarthgap/local/appliance/image/meta-appliance";
    private const string Cache = "/var/cache/appliance-image-parse";
    private const string Parsed = "Parsing of 2042 .bb files complete (0 cached, 2042 parsed). 3221 targets, 131 skipped, 0 masked, 0 errors.\n";
    private static readonly string[] Graph = ["appliance", "appliance-image", "libgpiod", "busybox"];

    private sealed record Verdict(bool Passed, string Summary, string[] Problems, string[] Foreign);

    private static Verdict Judge(string output, int exitCode = 0, string[]? buildlist = null)
    {
        const string Driver = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import bitbake_log
            args = json.load(sys.stdin)
            r = bitbake_log.judge(args["code"], args["output"], [args["layer"]], ["appliance", "appliance-image", "appliance-os"],
                                  ["appliance", "appliance-image"], args["cache"], None if args["graph"] is None else set(args["graph"]))
            print(json.dumps({"Passed": r.passed, "Summary": r.summary, "Problems": r.problems, "Foreign": r.foreign}))
            """;
        string input = JsonSerializer.Serialize(new { code = exitCode, output, layer = Layer, cache = Cache, graph = buildlist });
        var r = Tools.Run("/usr/bin/python3", ["-c", Driver, Path.Combine(Repo.Image, "scripts")], stdin: input);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonSerializer.Deserialize<Verdict>(r.Stdout)!;
    }

    [Fact]
    public void A_clean_parse_with_our_recipes_in_the_graph_passes_and_lists_other_layers_warnings()
    {
        var v = Judge("Loading cache...done.\nWARNING: Host distribution \"debian-12\" has not been validated with this version of the build system; you may possibly experience unexpected failures.\n"
                      + Parsed + "NOTE: PN build list saved to 'pn-buildlist'\n", buildlist: Graph);
        Assert.True(v.Passed, string.Join('\n', v.Problems));
        Assert.StartsWith("Host distribution", Assert.Single(v.Foreign));
        Assert.Contains("2042 recipes", v.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_that_names_our_recipe_file_fails_even_when_bitbake_exits_0()
    {
        var v = Judge($"WARNING: {Layer}/recipes-appliance/appliance/appliance_0.1.0.bb: QA Issue: Recipe has PN of \"appliance\" which is in OVERRIDES [pn-overrides]\n" + Parsed, buildlist: Graph);
        Assert.False(v.Passed);
        Assert.Contains(v.Problems, p => p.StartsWith("WARNING from our layer", StringComparison.Ordinal));
    }

    [Fact]
    public void A_warning_that_names_our_recipe_or_distro_by_name_fails_but_the_cache_path_alone_does_not()
    {
        Assert.False(Judge("WARNING: appliance-image-1.0-r0 do_rootfs: something\n" + Parsed, buildlist: Graph).Passed);
        Assert.False(Judge("WARNING: Variable X is set in distro appliance-os\n" + Parsed, buildlist: Graph).Passed);
        // The cache directory is called appliance-image-parse: another layer's recipe under it is not ours.
        var v = Judge($"WARNING: {Cache}/src/meta-openembedded-bec755063a8b/meta-oe/recipes-x/foo/foo_1.0.bb: deprecated\n" + Parsed, buildlist: Graph);
        Assert.True(v.Passed, string.Join('\n', v.Problems));
        Assert.Single(v.Foreign);
        // A recipe whose name merely starts like ours is not ours either.
        Assert.True(Judge("WARNING: appliance-monitor: something else\n" + Parsed, buildlist: Graph).Passed);
    }

    [Fact]
    public void An_error_a_failed_exit_or_a_continuation_line_naming_our_layer_fails()
    {
        var error = Judge("ERROR: Nothing RPROVIDES 'libgpiod' (but appliance_0.1.0.bb RDEPENDS on or otherwise requires it)\n" + Parsed, 1, Graph);
        Assert.False(error.Passed);
        Assert.Contains(error.Problems, p => p == "bitbake exited with 1");
        // The path of the offending file is on the second line of a multi-line message.
        var multi = Judge($"WARNING: Variable RDEPENDS is set as not being package specific, please fix this.\n{Layer}/recipes-appliance/appliance/appliance_0.1.0.bb\n" + Parsed, buildlist: Graph);
        Assert.False(multi.Passed);
    }

    [Fact]
    public void No_parse_line_or_no_graph_or_a_graph_without_our_recipes_fails()
    {
        Assert.Contains(Judge("Loading cache...done.\n", buildlist: Graph).Problems, p => p.Contains("never finished parsing", StringComparison.Ordinal));
        Assert.Contains(Judge(Parsed).Problems, p => p.Contains("no pn-buildlist", StringComparison.Ordinal));
        Assert.Contains(Judge(Parsed, buildlist: ["appliance-image", "busybox"]).Problems,
            p => p == "the target's dependency graph does not contain appliance");
    }
}

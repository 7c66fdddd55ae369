using System.Text.Json;

namespace Appliance.Image.Tests.Support;

/// <summary>
/// A kas file loaded by Debian's kas 3.1 itself (its include handler validates against kas's JSON
/// schema and refuses a header version it does not know), resolved with its includes, as JSON.
/// </summary>
public sealed record KasConfig(string File, JsonElement Root)
{
    private const string Loader = """
        import json, sys
        sys.path.insert(0, "/usr/lib/python3/dist-packages")
        try:
            from kas.includehandler import IncludeHandler
            from kas.__version__ import __file_version__
        except ImportError as e:
            print("kas is not installed (Debian package kas; tools/install-deps.sh installs it): %s" % e, file=sys.stderr)
            sys.exit(3)
        config, missing = IncludeHandler(sys.argv[2:], sys.argv[1]).get_config()
        config["_missing_repos"] = list(missing)
        config["_kas_file_version"] = __file_version__
        print(json.dumps(config))
        """;

    /// <summary>A machine file, with overlays after it as `kas build a.yml:b.yml` merges them.</summary>
    public static KasConfig Load(string file, params string[] overlays)
    {
        var r = Tools.Run("/usr/bin/python3", ["-c", Loader, Repo.Root, file, .. overlays]);
        Assert.True(r.ExitCode == 0, $"kas could not load {string.Join(':', [file, .. overlays])}:\n{r}");
        using var doc = JsonDocument.Parse(r.Stdout);
        return new KasConfig(file, doc.RootElement.Clone());
    }

    /// <summary>image/kas/release/*.yml: overlays that move every layer to another release.</summary>
    public static IEnumerable<string> ReleaseOverlays() =>
        Directory.GetFiles(Path.Combine(Repo.Kas, "release"), "*.yml").Order(StringComparer.Ordinal);

    // kas's spellings of a layer that is checked out but not added to BBLAYERS (kas/repos.py).
    private static readonly HashSet<string> Excluded = new(StringComparer.OrdinalIgnoreCase) { "disabled", "excluded", "n", "no", "0", "false" };

    public static IEnumerable<string> MachineFiles() =>
        Directory.GetFiles(Repo.Kas, "*.yml").Where(f => Path.GetFileName(f) != "common.yml").Order(StringComparer.Ordinal);

    public string Machine => Root.GetProperty("machine").GetString()!;
    public string Distro => Root.GetProperty("distro").GetString()!;
    public string Target => Root.GetProperty("target").GetString()!;

    public IEnumerable<(string Name, string? Url, string? Refspec, IReadOnlyList<string> Layers)> Repos =>
        Root.GetProperty("repos").EnumerateObject().Select(r => (
            r.Name,
            r.Value.ValueKind == JsonValueKind.Object && r.Value.TryGetProperty("url", out var u) ? u.GetString() : null,
            r.Value.ValueKind == JsonValueKind.Object && r.Value.TryGetProperty("refspec", out var s) ? s.GetString() : null,
            (IReadOnlyList<string>)(r.Value.ValueKind == JsonValueKind.Object && r.Value.TryGetProperty("layers", out var l)
                ? l.EnumerateObject().Where(x => x.Value.ValueKind != JsonValueKind.String || !Excluded.Contains(x.Value.GetString()!))
                    .Select(x => x.Name).ToList()
                : [r.Name])));

    public string LocalConf => string.Join('\n', Root.GetProperty("local_conf_header").EnumerateObject().Select(p => p.Value.GetString()));
}

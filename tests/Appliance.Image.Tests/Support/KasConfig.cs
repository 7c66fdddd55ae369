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
        config, missing = IncludeHandler([sys.argv[1]], sys.argv[2]).get_config()
        config["_missing_repos"] = list(missing)
        config["_kas_file_version"] = __file_version__
        print(json.dumps(config))
        """;

    public static KasConfig Load(string file)
    {
        var r = Tools.Run("/usr/bin/python3", ["-c", Loader, file, Repo.Root]);
        Assert.True(r.ExitCode == 0, $"kas could not load {file}:\n{r}");
        using var doc = JsonDocument.Parse(r.Stdout);
        return new KasConfig(file, doc.RootElement.Clone());
    }

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
                ? l.EnumerateObject().Select(x => x.Name).ToList() : [r.Name])));

    public string LocalConf => string.Join('\n', Root.GetProperty("local_conf_header").EnumerateObject().Select(p => p.Value.GetString()));
}

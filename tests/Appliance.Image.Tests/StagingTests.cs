using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Common;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>After `make aot ARCH=arm64` + `make image-stage` every file the recipes name exists and holds what they expect.</summary>
public sealed class StagingTests
{
    private static BitbakeFile Recipe => BitbakeFile.Load(Repo.ServiceRecipe);

    [Fact]
    public void Every_file_uri_of_every_recipe_exists_after_staging()
    {
        Staging.EnsureStaged();
        var recipes = Directory.GetFiles(Repo.Layer, "*.bb", SearchOption.AllDirectories);
        int checkedUris = 0;
        foreach (string path in recipes)
        {
            foreach (string uri in LayerChecker.FileUris(BitbakeFile.Load(path)))
            {
                checkedUris++;
                Assert.True(LayerChecker.FilesPath(path).Any(d => File.Exists(Path.Combine(d, uri))),
                    $"{Path.GetRelativePath(Repo.Root, path)}: file://{uri} not found");
            }
        }
        Assert.Equal(5, checkedUris); // the tarball, the three units and the udev rules
    }

    [Fact]
    public void Every_path_do_install_reads_from_S_is_in_the_tarball()
    {
        var contents = Staging.Contents();
        string install = Recipe.Functions.Single(f => f.Name == "do_install").Body;
        var paths = Regex.Matches(install, @"\$\{S\}/(?<p>[^\s;]+)").Select(m => m.Groups["p"].Value).Distinct().ToList();
        Assert.NotEmpty(paths);
        foreach (string p in paths)
        {
            bool optional = install.Contains($"if [ -e ${{S}}/{p} ]", StringComparison.Ordinal);
            var boards = p.Contains("${APPLIANCE_BOARD}", StringComparison.Ordinal) ? Recipe.Words("APPLIANCE_BOARDS").ToList() : [""];
            foreach (string board in boards)
            {
                string path = p.Replace("${APPLIANCE_BOARD}", board, StringComparison.Ordinal);
                var pattern = new Regex("^" + Regex.Escape(path).Replace(@"\*", "[^/]+", StringComparison.Ordinal) + "$");
                Assert.True(optional || contents.Keys.Any(pattern.IsMatch), $"do_install reads ${{S}}/{path}, which the staged tarball lacks");
            }
        }
    }

    [Fact]
    public void The_executable_is_an_aarch64_elf_and_its_companions_are_present()
    {
        var contents = Staging.Contents();
        byte[] elf = contents["appliance"];
        Assert.True(elf.AsSpan(0, 4).SequenceEqual((byte[])[0x7F, (byte)'E', (byte)'L', (byte)'F']), "appliance is not an ELF file");
        Assert.Equal(2, elf[4]); // ELFCLASS64
        Assert.Equal(183, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(18))); // EM_AARCH64
        Assert.True(contents.ContainsKey("libSystem.IO.Ports.Native.so"));
        // NSec 26 ships libsodium as its own file; if that ever changes the recipe installs it conditionally.
        if (File.Exists(Path.Combine(Staging.PublishDirectory, "libsodium.so")))
            Assert.True(contents.ContainsKey("libsodium.so"));
        Assert.DoesNotContain(contents.Keys, k => k.EndsWith(".dbg", StringComparison.Ordinal) || k.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [Fact]
    public void Licence_checksums_match_the_staged_files_and_the_repository_licence()
    {
        var contents = Staging.Contents();
        Assert.Equal(File.ReadAllBytes(Path.Combine(Repo.Root, "LICENSE")), contents["LICENSE"]);
        string chk = Recipe.Value("LIC_FILES_CHKSUM")!;
        foreach (Match m in Regex.Matches(chk, @"file://(?<f>[^;]+);md5=(?<md5>[0-9a-f]{32})"))
            Assert.Equal(m.Groups["md5"].Value, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(contents[m.Groups["f"].Value])));
    }

    [Fact]
    public void The_manifest_lists_every_file_with_its_sha256()
    {
        var contents = Staging.Contents();
        var lines = System.Text.Encoding.UTF8.GetString(contents["MANIFEST.sha256"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(contents.Count - 1, lines.Length);
        foreach (string line in lines)
        {
            string[] parts = line.Split("  ", 2);
            Assert.Equal(parts[0], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(contents[parts[1]])));
        }
    }

    [Fact]
    public void Default_configuration_of_each_board_agrees_with_its_profile_and_the_state_layout()
    {
        var contents = Staging.Contents();
        foreach (string board in Recipe.Words("APPLIANCE_BOARDS"))
        {
            using var profile = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.Boards, board, "board.json")));
            using var config = JsonDocument.Parse(contents[$"config/{board}/appliance.json"]);
            var a = config.RootElement.GetProperty("Appliance");
            var p = profile.RootElement;
            Assert.Equal(board, a.GetProperty("Board").GetString());
            Assert.Equal(p.GetProperty("Network").GetProperty("Wan").GetString(), a.GetProperty("Wan").GetProperty("Interface").GetString());
            Assert.Equal(p.GetProperty("Network").GetProperty("Lan").GetString(), a.GetProperty("Lan").GetProperty("Interface").GetString());
            // The console is the profile's (Device, then Fallback): a fixed /dev/serial0 here would defeat the fallback.
            Assert.False(a.TryGetProperty("Console", out _), $"{board}: the default configuration must leave the console UART to the profile");
            Assert.Equal(StateLayout.DefaultStateDirectory, a.GetProperty("StateDirectory").GetString());
            // The recipe installs the profiles to ${datadir}/appliance/board (datadir = /usr/share).
            Assert.Equal("/usr/share/appliance/board", a.GetProperty("BoardDirectory").GetString());
            Assert.Equal(File.ReadAllBytes(Path.Combine(Repo.Boards, board, "board.json")), contents[$"board/{board}/board.json"]);
        }
        Assert.Contains("${datadir}/appliance/board/$name/board.json", Recipe.Functions.Single(f => f.Name == "do_install").Body, StringComparison.Ordinal);
        Assert.Contains("${sysconfdir}/appliance/appliance.json", Recipe.Functions.Single(f => f.Name == "do_install").Body, StringComparison.Ordinal);
        Assert.Equal("/etc/appliance/appliance.json", StateLayout.DefaultConfigFile);
    }

    [Fact]
    public void Staging_is_reproducible()
    {
        string first = Staging.EnsureStaged();
        Assert.True(File.Exists(Path.Combine(Staging.PublishDirectory, "appliance")), "needs the published binary: make aot ARCH=arm64");
        string again = Path.Combine(Path.GetTempPath(), $"img-restage-{Environment.ProcessId}.tar.gz");
        try
        {
            var r = Tools.Run("/usr/bin/python3", [Path.Combine(Repo.Image, "scripts", "stage.py"), Staging.PublishDirectory, Repo.Boards, again]);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(again));
        }
        finally { File.Delete(again); }
    }

    [Fact]
    public void Staging_refuses_a_missing_or_foreign_binary_with_a_clear_message()
    {
        string dir = Directory.CreateTempSubdirectory("img-stage-").FullName;
        try
        {
            var r = Tools.Run("/usr/bin/python3", [Path.Combine(Repo.Image, "scripts", "stage.py"), dir, Repo.Boards, Path.Combine(dir, "x.tar.gz")]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("make aot ARCH=arm64", r.Stderr, StringComparison.Ordinal);

            File.Copy("/bin/true", Path.Combine(dir, "appliance")); // an x86-64 (or other host) ELF
            File.WriteAllBytes(Path.Combine(dir, "libSystem.IO.Ports.Native.so"), [0]);
            r = Tools.Run("/usr/bin/python3", [Path.Combine(Repo.Image, "scripts", "stage.py"), dir, Repo.Boards, Path.Combine(dir, "x.tar.gz")]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("not a 64-bit little-endian AArch64 ELF", r.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "x.tar.gz")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>The default configuration only uses keys the host binds (src/Appliance/Configuration/ApplianceOptions.cs).</summary>
public sealed class DefaultConfigurationKeyTests
{
    private static Dictionary<string, HashSet<string>> OptionClasses()
    {
        string source = File.ReadAllText(Path.Combine(Repo.Root, "src", "Appliance", "Configuration", "ApplianceOptions.cs"));
        var classes = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match c in Regex.Matches(source, @"public sealed class (?<name>\w+)\s*\{(?<body>.*?)\n\}", RegexOptions.Singleline))
            classes[c.Groups["name"].Value] = Regex.Matches(c.Groups["body"].Value, @"public (?<type>[\w<>?,\s]+?) (?<prop>\w+) \{ get; set; \}")
                .Select(m => m.Groups["prop"].Value).ToHashSet(StringComparer.Ordinal);
        return classes;
    }

    [Fact]
    public void Every_key_under_Appliance_is_a_property_the_host_binds()
    {
        var classes = OptionClasses();
        Assert.True(classes.ContainsKey("ApplianceOptions"), "ApplianceOptions not found in the host's source");
        var nested = new Dictionary<string, string> { ["Wan"] = "InterfaceOptions", ["Lan"] = "InterfaceOptions", ["Console"] = "ConsoleOptions", ["Ike"] = "IkeOptions" };
        foreach (var (name, data) in Staging.Contents().Where(e => e.Key.EndsWith("/appliance.json", StringComparison.Ordinal)))
        {
            using var doc = JsonDocument.Parse(data);
            foreach (var p in doc.RootElement.GetProperty("Appliance").EnumerateObject())
            {
                Assert.True(classes["ApplianceOptions"].Contains(p.Name), $"{name}: Appliance:{p.Name} is not an ApplianceOptions property");
                if (p.Value.ValueKind == JsonValueKind.Object && nested.TryGetValue(p.Name, out string? cls))
                    foreach (var q in p.Value.EnumerateObject())
                        Assert.True(classes[cls].Contains(q.Name), $"{name}: Appliance:{p.Name}:{q.Name} is not a {cls} property");
            }
        }
    }
}

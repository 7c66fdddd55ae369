using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Appliance.Image.Tests.Support;

/// <summary>
/// A static stand-in for `bitbake -p` (bitbake cannot be installed here: see image/README.md). It
/// checks the mistakes that make a layer fail to parse, or parse into something else, on scarthgap
/// and wrynose (shared/TESTING.md §7): old override syntax, S outside UNPACKDIR, prebuilt recipes
/// pulling in the toolchain, LIC_FILES_CHKSUM not matching the file, file:// sources that do not
/// exist, and variables that nothing defines.
/// </summary>
public sealed partial class LayerChecker
{
    // Variables bitbake.conf, the classes we inherit and the machine/distro configuration define.
    // Listed by hand on purpose: a typo in the layer must not be "standard".
    private static readonly HashSet<string> Standard = new(StringComparer.Ordinal)
    {
        "PN", "BPN", "PV", "PR", "P", "BP", "WORKDIR", "UNPACKDIR", "S", "B", "D", "T", "TOPDIR", "TMPDIR",
        "LAYERDIR", "BBPATH", "BBFILES", "BBFILE_COLLECTIONS", "FILE_DIRNAME", "THISDIR", "COREBASE",
        "MACHINE", "MACHINE_ARCH", "TARGET_ARCH", "DISTRO", "DISTRO_FEATURES", "IMAGE_FEATURES", "TUNE_PKGARCH",
        "prefix", "exec_prefix", "base_prefix", "bindir", "sbindir", "libdir", "libexecdir", "datadir",
        "sysconfdir", "localstatedir", "includedir", "docdir", "mandir", "base_bindir", "base_sbindir",
        "base_libdir", "nonarch_base_libdir", "nonarch_libdir", "systemd_unitdir", "systemd_system_unitdir",
        "DEPLOY_DIR_IMAGE", "IMAGE_ROOTFS", "IMAGE_NAME", "IMAGE_BASENAME", "IMAGE_LINK_NAME",
        "ROOTFS_PKGMANAGE", "CORE_IMAGE_EXTRA_INSTALL", "DL_DIR", "SSTATE_DIR",
    };

    // Classes of poky's meta/classes* that the layer may inherit; anything else must be in the layer's classes/.
    private static readonly HashSet<string> StandardClasses = new(StringComparer.Ordinal)
    {
        "systemd", "useradd", "features_check", "core-image", "image", "deploy", "nopackages", "allarch",
        "bin_package", "update-rc.d", "update-alternatives", "extrausers", "packagegroup", "kernel", "module",
    };

    // Files other layers provide that the layer may require (poky's meta layer).
    private static readonly HashSet<string> StandardRequires = new(StringComparer.Ordinal)
    {
        "recipes-core/images/core-image-minimal.bb", "recipes-core/images/core-image-base.bb", "conf/distro/poky.conf",
    };

    // The old override separator: RDEPENDS_${PN}, do_install_append, FILES_${PN}-dev, SRC_URI_append_rpi.
    [GeneratedRegex(@"_(append|prepend|remove)(\b|_)|_\$\{PN\}|_\$\{BPN\}|^(RDEPENDS|RRECOMMENDS|RPROVIDES|RCONFLICTS|FILES|SYSTEMD_SERVICE|SYSTEMD_AUTO_ENABLE|USERADD_PARAM|GROUPADD_PARAM|INSANE_SKIP|PRIVATE_LIBS|ALLOW_EMPTY|pkg_postinst|pkg_preinst)_")]
    private static partial Regex OldOverride();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_\-]*)\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"getVar\(\s*['""](?<name>[A-Za-z0-9_\-]+)['""]")]
    private static partial Regex GetVar();

    [GeneratedRegex(@"file://(?<path>[^;\s]+)(?<params>(;[^\s]*)?)")]
    private static partial Regex FileUri();

    [GeneratedRegex(@"file://(?<path>[^;\s]+);md5=(?<md5>[0-9a-f]{32})")]
    private static partial Regex LicenseChecksum();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*\s*=", RegexOptions.Multiline)]
    private static partial Regex ShellLocal();

    private readonly string _layer;
    private readonly List<BitbakeFile> _files;
    private readonly Func<string, string, byte[]?> _sourceFile;

    /// <param name="layer">The layer folder.</param>
    /// <param name="sourceFile">Reads a file below a recipe's S (recipe path, relative path) for
    /// LIC_FILES_CHKSUM; null when it does not exist. The default looks inside staged tarballs.</param>
    public LayerChecker(string layer, Func<string, string, byte[]?>? sourceFile = null)
    {
        _layer = layer;
        _files = Directory.EnumerateFiles(layer, "*", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".bb", StringComparison.Ordinal) || p.EndsWith(".bbappend", StringComparison.Ordinal)
                        || (p.EndsWith(".conf", StringComparison.Ordinal) && p.Contains($"{Path.DirectorySeparatorChar}conf{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(BitbakeFile.Load)
            .ToList();
        _sourceFile = sourceFile ?? ReadFromStagedTarball;
    }

    public IReadOnlyList<BitbakeFile> Files => _files;

    public IEnumerable<BitbakeFile> Recipes => _files.Where(f => f.Path.EndsWith(".bb", StringComparison.Ordinal));

    public static bool IsImage(BitbakeFile recipe) =>
        recipe.Directives.Any(d => (d.Kind == "inherit" && d.Argument.Split(' ').Contains("core-image"))
                                    || (d.Kind == "require" && d.Argument.Contains("images/", StringComparison.Ordinal)));

    /// <summary>Every problem found, one line each, prefixed with the file and line.</summary>
    public List<string> Check()
    {
        var problems = new List<string>();
        foreach (var f in _files)
        {
            string where = Path.GetRelativePath(_layer, f.Path);
            problems.AddRange(f.Errors.Select(e => $"{where}:{e}"));
            CheckOverrideSyntax(f, where, problems);
            CheckReferences(f, where, problems);
            CheckInheritsAndRequires(f, where, problems);
        }
        foreach (var recipe in Recipes)
        {
            string where = Path.GetRelativePath(_layer, recipe.Path);
            CheckFileUris(recipe, where, problems);
            if (IsImage(recipe)) continue;
            CheckSourceDirectory(recipe, where, problems);
            CheckDefaultDeps(recipe, where, problems);
            CheckLicense(recipe, where, problems);
            CheckSystemdServices(recipe, where, problems);
        }
        return problems;
    }

    private static void CheckOverrideSyntax(BitbakeFile f, string where, List<string> problems)
    {
        foreach (var a in f.Assignments.Where(a => OldOverride().IsMatch(a.Name)))
            problems.Add($"{where}:{a.Line}: '{a.Name}' uses the old '_' override syntax; write ':' (e.g. RDEPENDS:${{PN}}, SRC_URI:append)");
        // :append/:prepend concatenate without a separator: a list value must bring its own space.
        foreach (var a in f.Assignments.Where(a => a.Flag is null && a.Value.Length > 0 && !a.Name.StartsWith("do_", StringComparison.Ordinal)))
        {
            if (a.Name.Contains(":append", StringComparison.Ordinal) && !char.IsWhiteSpace(a.Value[0]))
                problems.Add($"{where}:{a.Line}: {a.Name} = \"{a.Value}\" does not start with a space, so it glues onto the last word");
            if (a.Name.Contains(":prepend", StringComparison.Ordinal) && !char.IsWhiteSpace(a.Value[^1]))
                problems.Add($"{where}:{a.Line}: {a.Name} = \"{a.Value}\" does not end with a space, so it glues onto the first word");
        }
        foreach (var fn in f.Functions.Where(fn => OldOverride().IsMatch(fn.Name)))
            problems.Add($"{where}:{fn.Line}: function '{fn.Name}' uses the old '_' override syntax; write ':' (e.g. do_install:append)");
    }

    private void CheckInheritsAndRequires(BitbakeFile f, string where, List<string> problems)
    {
        foreach (var (kind, argument, line) in f.Directives)
        {
            if (kind is "inherit" or "inherit_defer")
            {
                foreach (string cls in argument.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (!StandardClasses.Contains(cls) && !File.Exists(Path.Combine(_layer, "classes", cls + ".bbclass"))
                        && !File.Exists(Path.Combine(_layer, "classes-recipe", cls + ".bbclass")))
                        problems.Add($"{where}:{line}: inherit {cls}: no such class in poky or in the layer");
            }
            else if (kind is "require" or "include")
            {
                if (!StandardRequires.Contains(argument) && !File.Exists(Path.Combine(_layer, argument))
                    && !File.Exists(Path.Combine(Path.GetDirectoryName(f.Path)!, argument)))
                    problems.Add($"{where}:{line}: {kind} {argument}: not found in the layer and not a known poky file");
            }
        }
    }

    private void CheckReferences(BitbakeFile f, string where, List<string> problems)
    {
        var defined = new HashSet<string>(Standard, StringComparer.Ordinal);
        foreach (var file in _files) // a layer's conf files and the recipe itself define variables
            foreach (var a in file.Assignments) defined.Add(a.BaseName);

        foreach (var a in f.Assignments)
            Report(a.Value, a.Line, shellLocals: []);
        foreach (var fn in f.Functions)
        {
            // Shell functions may use their own variables (${name} for `name=...` or a for loop).
            var locals = ShellLocal().Matches(fn.Body).Select(m => m.Value.TrimEnd('=', ' ').Trim())
                .Concat(Regex.Matches(fn.Body, @"\bfor\s+(\w+)\s+in").Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
            Report(fn.Body, fn.Line, fn.Kind == "shell" ? locals : []);
        }

        void Report(string text, int line, HashSet<string> shellLocals)
        {
            foreach (Match m in Reference().Matches(text).Concat(GetVar().Matches(text)))
            {
                string name = m.Groups["name"].Value;
                if (!defined.Contains(name) && !shellLocals.Contains(name))
                    problems.Add($"{where}:{line}: ${{{name}}} is neither defined in the layer nor a standard variable");
            }
        }
    }

    /// <summary>The folders bitbake's FILESPATH searches for a recipe's file:// sources.</summary>
    public static IEnumerable<string> FilesPath(string recipePath)
    {
        string dir = Path.GetDirectoryName(recipePath)!;
        string stem = Path.GetFileNameWithoutExtension(recipePath);
        string bpn = stem.Split('_')[0];
        return [Path.Combine(dir, stem.Replace('_', '-')), Path.Combine(dir, bpn), Path.Combine(dir, "files")];
    }

    public static IEnumerable<string> FileUris(BitbakeFile recipe) =>
        recipe.Words("SRC_URI").Where(w => w.StartsWith("file://", StringComparison.Ordinal))
            .Select(w => FileUri().Match(w).Groups["path"].Value);

    private static void CheckFileUris(BitbakeFile recipe, string where, List<string> problems)
    {
        foreach (string path in FileUris(recipe))
            if (!FilesPath(recipe.Path).Any(d => File.Exists(Path.Combine(d, path)) || Directory.Exists(Path.Combine(d, path))))
                problems.Add($"{where}: SRC_URI file://{path} does not exist in {string.Join(" or ", FilesPath(recipe.Path).Select(Path.GetFileName))}"
                             + (path.EndsWith(".tar.gz", StringComparison.Ordinal) ? " (staged by `make image-stage`)" : ""));
    }

    private static void CheckSourceDirectory(BitbakeFile recipe, string where, List<string> problems)
    {
        string? s = recipe.Value("S");
        if (s is null)
        {
            problems.Add($"{where}: S is not set; the default ${{WORKDIR}}/${{BP}} is outside UNPACKDIR on wrynose");
            return;
        }
        // S may go through one layer variable (S = "${APPLIANCE_UNPACKDIR}/x"); follow it.
        string resolved = Reference().Replace(s, m => recipe.Value(m.Groups["name"].Value) ?? m.Value);
        if (!resolved.Contains("UNPACKDIR", StringComparison.Ordinal))
            problems.Add($"{where}: S = \"{s}\" is not below UNPACKDIR (wrynose requires it; use ${{@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}})");
        if (!resolved.Contains("getVar('WORKDIR')", StringComparison.Ordinal) && !resolved.Contains("getVar(\"WORKDIR\")", StringComparison.Ordinal))
            problems.Add($"{where}: S = \"{s}\" has no WORKDIR fallback; scarthgap has no UNPACKDIR");
    }

    private static void CheckDefaultDeps(BitbakeFile recipe, string where, List<string> problems)
    {
        bool compiles = !recipe.Assignments.Any(a => a.Name == "do_compile" && a.Flag == "noexec" && a.Value == "1")
                        && recipe.Functions.Any(f => f.Name == "do_compile");
        bool prebuilt = !compiles && !recipe.Directives.Any(d => d.Kind == "inherit" && Regex.IsMatch(d.Argument, @"\b(autotools|cmake|meson|cargo|go|setuptools3|python_setuptools_build_meta|module)\b"));
        if (prebuilt && recipe.Value("INHIBIT_DEFAULT_DEPS") != "1")
            problems.Add($"{where}: installs prebuilt files but does not set INHIBIT_DEFAULT_DEPS = \"1\" (it would pull in the cross toolchain)");
    }

    private void CheckLicense(BitbakeFile recipe, string where, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(recipe.Value("LICENSE")))
            problems.Add($"{where}: LICENSE is not set");
        string? chk = recipe.Value("LIC_FILES_CHKSUM");
        if (string.IsNullOrWhiteSpace(chk) || recipe.Value("LICENSE") == "CLOSED")
        {
            if (recipe.Value("LICENSE") != "CLOSED") problems.Add($"{where}: LIC_FILES_CHKSUM is not set");
            return;
        }
        foreach (Match m in LicenseChecksum().Matches(chk))
        {
            string file = m.Groups["path"].Value;
            byte[]? data = _sourceFile(recipe.Path, file);
            if (data is null)
                problems.Add($"{where}: LIC_FILES_CHKSUM names {file}, which is not in S");
            else if (Convert.ToHexStringLower(MD5.HashData(data)) is var actual && actual != m.Groups["md5"].Value)
                problems.Add($"{where}: LIC_FILES_CHKSUM md5 of {file} is {m.Groups["md5"].Value} but the file's is {actual}");
        }
        if (LicenseChecksum().Matches(chk).Count != chk.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)
            problems.Add($"{where}: every LIC_FILES_CHKSUM entry needs file://PATH;md5=<32 hex digits>");
    }

    private static void CheckSystemdServices(BitbakeFile recipe, string where, List<string> problems)
    {
        var services = recipe.Words("SYSTEMD_SERVICE").ToList();
        if (services.Count > 0 && !recipe.Directives.Any(d => d.Kind == "inherit" && d.Argument.Split(' ').Contains("systemd")))
            problems.Add($"{where}: SYSTEMD_SERVICE without `inherit systemd` does nothing");
        string install = string.Join('\n', recipe.Functions.Where(f => f.Name.StartsWith("do_install", StringComparison.Ordinal)).Select(f => f.Body));
        foreach (string unit in services)
            if (!install.Contains("${systemd_system_unitdir}/" + unit, StringComparison.Ordinal))
                problems.Add($"{where}: SYSTEMD_SERVICE names {unit} but do_install does not install it to ${{systemd_system_unitdir}}");
    }

    /// <summary>Reads S-relative files out of the recipe's staged file:// tarballs (their top folder is S's last part).</summary>
    public static byte[]? ReadFromStagedTarball(string recipePath, string relative)
    {
        var recipe = BitbakeFile.Load(recipePath);
        foreach (string uri in FileUris(recipe).Where(u => u.EndsWith(".tar.gz", StringComparison.Ordinal)))
        {
            string? tarball = FilesPath(recipePath).Select(d => Path.Combine(d, uri)).FirstOrDefault(File.Exists);
            if (tarball is null) continue;
            foreach (var (name, data) in ReadTarball(tarball))
                if (name.Split('/', 2) is [_, var rest] && rest == relative) return data;
        }
        return null;
    }

    public static IEnumerable<(string Name, byte[] Data)> ReadTarball(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            using var ms = new MemoryStream();
            entry.DataStream?.CopyTo(ms);
            yield return (entry.Name, ms.ToArray());
        }
    }
}

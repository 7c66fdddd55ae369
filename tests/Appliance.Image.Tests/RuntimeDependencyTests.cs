using System.Text;
using System.Text.RegularExpressions;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>What the staged executable loads at run time must be in the recipe's RDEPENDS.</summary>
public sealed class RuntimeDependencyTests
{
    // Library file → the Yocto package that ships it (poky's glibc, openssl and meta-oe's libgpiod recipes).
    private static readonly Dictionary<string, string> Providers = new(StringComparer.Ordinal)
    {
        ["libc.so.6"] = "glibc",
        ["libm.so.6"] = "glibc",
        ["libdl.so.2"] = "glibc",
        ["libpthread.so.0"] = "glibc",
        ["librt.so.1"] = "glibc",
        ["ld-linux-aarch64.so.1"] = "glibc",
        ["libssl.so.3"] = "libssl",
        ["libcrypto.so.3"] = "libcrypto",
        ["libgpiod.so.3"] = "libgpiod",
        ["libgpiod.so.2"] = "libgpiod",
        ["libstdc++.so.6"] = "libstdc++",
        ["libgcc_s.so.1"] = "libgcc",
        ["libz.so.1"] = "zlib",
    };

    private static HashSet<string> RDepends => BitbakeFile.Load(Repo.ServiceRecipe).Words("RDEPENDS").ToHashSet(StringComparer.Ordinal);

    private static List<string> Needed(string elfPath)
    {
        string readelf = Tools.Require("readelf", "binutils");
        var r = Tools.Run(readelf, ["-d", "-W", elfPath]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return Regex.Matches(r.Stdout, @"\(NEEDED\)\s+Shared library: \[(?<lib>[^\]]+)\]").Select(m => m.Groups["lib"].Value).ToList();
    }

    private static string Extract(string name)
    {
        string path = Path.Combine(Path.GetTempPath(), $"img-{Environment.ProcessId}-{name}");
        File.WriteAllBytes(path, Staging.Contents()[name]);
        return path;
    }

    [Theory]
    [InlineData("appliance")]
    [InlineData("libSystem.IO.Ports.Native.so")]
    [InlineData("libsodium.so")]
    public void Every_linked_library_is_provided_by_a_runtime_dependency(string file)
    {
        var contents = Staging.Contents();
        if (file == "libsodium.so" && !contents.ContainsKey(file))
        {
            Assert.False(File.Exists(Path.Combine(Staging.PublishDirectory, file)), "libsodium.so was published but not staged");
            return;
        }
        string path = Extract(file);
        try
        {
            var needed = Needed(path);
            Assert.Contains("libc.so.6", needed);
            foreach (string lib in needed)
            {
                Assert.True(Providers.TryGetValue(lib, out string? package), $"{file} links {lib}: add its package to RDEPENDS and to this table");
                Assert.True(RDepends.Contains(package), $"{file} links {lib} from {package}, which RDEPENDS:${{PN}} lacks");
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Libraries_opened_with_dlopen_are_runtime_dependencies()
    {
        byte[] elf = Staging.Contents()["appliance"];
        string text = Encoding.Latin1.GetString(elf);
        // .NET's System.Security.Cryptography.Native opens OpenSSL 3 by name; NSec's RNG goes through it.
        Assert.Contains("libssl.so.3", text, StringComparison.Ordinal);
        Assert.Contains("libssl", RDepends);
        Assert.Contains("libcrypto", RDepends);
        // The board layer opens libgpiod v2 (libgpiod.so.3) first, v1 as a fallback (src/Appliance.Board).
        Assert.Contains("libgpiod", RDepends);
        Assert.Contains("glibc", RDepends);
    }
}

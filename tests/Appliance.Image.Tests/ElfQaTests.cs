using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>
/// The prebuilt ELF files against the QA checks of poky's insane.bbclass that look at binaries, so
/// INSANE_SKIP names only the check that really fails (already-stripped) and nothing else.
/// </summary>
public sealed class ElfQaTests
{
    public static TheoryData<string> ElfFiles() => new("appliance", "libSystem.IO.Ports.Native.so", "libsodium.so");

    private static (string Sections, string Dynamic)? Inspect(string name)
    {
        var contents = Staging.Contents();
        if (!contents.TryGetValue(name, out byte[]? data))
        {
            Assert.True(name == "libsodium.so", $"{name} is not staged");
            return null; // libsodium.so is optional (NSec may link it in); its absence is checked in StagingTests
        }
        string readelf = Tools.Require("readelf", "binutils");
        string path = Path.Combine(Path.GetTempPath(), $"img-qa-{Environment.ProcessId}-{name}");
        File.WriteAllBytes(path, data);
        try
        {
            var sections = Tools.Run(readelf, ["-S", "-W", path]);
            var dynamic = Tools.Run(readelf, ["-d", "-W", path]);
            Assert.True(sections.ExitCode == 0 && dynamic.ExitCode == 0, $"{sections}\n{dynamic}");
            return (sections.Stdout, dynamic.Stdout);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [MemberData(nameof(ElfFiles))]
    public void Stripped_so_already_stripped_must_be_skipped(string name)
    {
        if (Inspect(name) is not var (sections, _)) return;
        Assert.DoesNotContain(".symtab", sections, StringComparison.Ordinal);
        Assert.Contains("already-stripped", BitbakeFile.Load(Repo.ServiceRecipe).Words("INSANE_SKIP"));
    }

    [Theory]
    [MemberData(nameof(ElfFiles))]
    public void Has_gnu_hash_and_no_text_relocations_so_ldflags_and_textrel_pass(string name)
    {
        if (Inspect(name) is not var (_, dynamic)) return;
        Assert.Contains("(GNU_HASH)", dynamic, StringComparison.Ordinal);
        Assert.DoesNotContain("TEXTREL", dynamic, StringComparison.Ordinal);
        Assert.Equal(["already-stripped"], BitbakeFile.Load(Repo.ServiceRecipe).Words("INSANE_SKIP"));
    }
}

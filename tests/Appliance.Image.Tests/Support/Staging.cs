namespace Appliance.Image.Tests.Support;

/// <summary>
/// The staged tarball the service recipe's SRC_URI names. `make test` runs `make image-stage` first;
/// when the published arm64 binary exists the tests restage once themselves, so the tarball always
/// matches board/ and the staging script. Without the binary they fail and say how to make it.
/// </summary>
public static class Staging
{
    public static string PublishDirectory =>
        Environment.GetEnvironmentVariable("APPLIANCE_ARM64_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Repo.Root, "out", "linux-arm64");

    private static readonly Lazy<string> Staged = new(Stage, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string EnsureStaged() => Staged.Value;

    private static string Stage()
    {
        string binary = Path.Combine(PublishDirectory, "appliance");
        if (File.Exists(binary))
        {
            var r = Tools.Run("/usr/bin/python3", [Path.Combine(Repo.Image, "scripts", "stage.py"), PublishDirectory, Repo.Boards, Repo.StagedTarball]);
            Assert.True(r.ExitCode == 0, $"image/scripts/stage.py failed:\n{r}");
        }
        Assert.True(File.Exists(Repo.StagedTarball),
            $"{Repo.StagedTarball} does not exist and there is no published binary at {binary}: " +
            "run `make aot ARCH=arm64` and `make image-stage` (make test does both) before these tests");
        return Repo.StagedTarball;
    }

    /// <summary>The tarball's files below its top folder (that is, relative to the recipe's S).</summary>
    public static Dictionary<string, byte[]> Contents() =>
        LayerChecker.ReadTarball(EnsureStaged())
            .ToDictionary(e => e.Name.Split('/', 2)[1], e => e.Data, StringComparer.Ordinal);
}

namespace Appliance.Vm.Tests.Harness;

/// <summary>Where the clone, its build output and the tools are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Out => Path.Combine(Root, "out");
    public static string Tools => Path.Combine(Root, "tools", "systest");

    /// <summary>The host's own build (linux-x64) runs `appliance provision` as the factory station.</summary>
    public static string HostAppliance =>
        Environment.GetEnvironmentVariable("APPLIANCE_BIN") is { Length: > 0 } bin ? bin : Path.Combine(Out, "linux-x64", "appliance");

    /// <summary>The package `make deb ARCH=...` wrote for a Debian architecture (arm64, amd64).</summary>
    public static string Package(string debianArch)
    {
        var found = Directory.Exists(Out) ? Directory.GetFiles(Out, $"appliance_*_{debianArch}.deb") : [];
        if (found.Length != 1)
            throw new InvalidOperationException($"expected one out/appliance_*_{debianArch}.deb, found {found.Length}: run `make deb ARCH={(debianArch == "amd64" ? "x64" : debianArch)}`");
        return found[0];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.sln"))) return dir.FullName;
        throw new InvalidOperationException("Appliance.sln not found above " + AppContext.BaseDirectory);
    }
}

namespace Appliance.Image.Tests.Support;

public sealed record PackageEntry(string Package, string Layer, string Recipe);

/// <summary>image/packages.txt: every package the layer relies on, with the layer and recipe that provide it.</summary>
public static class PackageList
{
    public static List<PackageEntry> Load() =>
        File.ReadAllLines(Repo.PackageList)
            .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Length == 3 ? new PackageEntry(p[0], p[1], p[2]) : throw new FormatException($"packages.txt: '{string.Join(' ', p)}' needs package, layer, recipe"))
            .ToList();
}

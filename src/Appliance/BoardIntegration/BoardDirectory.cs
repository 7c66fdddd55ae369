using Appliance.Configuration;

namespace Appliance.BoardIntegration;

/// <summary>Finds the board profiles: configured, installed by the image, or shipped next to the binary.</summary>
public static class BoardDirectory
{
    public const string Installed = "/usr/share/appliance/board";

    public static string Resolve(ApplianceOptions options)
    {
        if (options.BoardDirectory is { } configured) return configured;
        if (Directory.Exists(Installed)) return Installed;
        // `make aot` copies board/ into the publish folder; a development build walks up to the repository.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "board");
            if (File.Exists(Path.Combine(candidate, "simulated", "board.json"))) return candidate;
        }
        return Installed;
    }
}

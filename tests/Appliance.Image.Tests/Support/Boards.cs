using System.Text.Json;

namespace Appliance.Image.Tests.Support;

public sealed record BoardInfo(string Name, string YoctoMachine, string ConsoleDevice, string? ConsoleFallback, string Wan, string Lan);

/// <summary>board/&lt;name&gt;/board.json, the fields the image depends on.</summary>
public static class Boards
{
    public static IEnumerable<string> Names() =>
        Directory.GetDirectories(Repo.Boards).Where(d => File.Exists(Path.Combine(d, "board.json")))
            .Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static BoardInfo Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.Boards, name, "board.json")));
        var r = doc.RootElement;
        var console = r.GetProperty("Console");
        return new BoardInfo(
            r.GetProperty("Name").GetString()!,
            r.GetProperty("YoctoMachine").GetString()!,
            console.GetProperty("Device").GetString()!,
            console.TryGetProperty("Fallback", out var f) ? f.GetString() : null,
            r.GetProperty("Network").GetProperty("Wan").GetString()!,
            r.GetProperty("Network").GetProperty("Lan").GetString()!);
    }
}

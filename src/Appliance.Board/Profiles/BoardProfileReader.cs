using System.Text.Json;

namespace Appliance.Board;

internal static class BoardProfileReader
{
    public static BoardProfileDocument Read(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BoardProfileJsonContext.Default.BoardProfileDocument)
                ?? throw new BoardProfileException($"{source}: the profile is empty (null)");
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" at line {line + 1}" : "";
            throw new BoardProfileException($"{source}: not a valid board profile{where}: {e.Message}", e);
        }
    }
}

using System.Net.Sockets;
using System.Text.Json;

namespace Appliance.Cli;

/// <summary>Sends one command line to the service and prints its {"ok":…,"message"|"error":…} answer.</summary>
public static class ControlReply
{
    /// <returns>The exit status: 0 when the service did it, 1 when it refused or cannot be reached.</returns>
    public static async Task<int> SendAsync(string verb, string socketPath, string request)
    {
        string reply;
        try
        {
            reply = await StatusCommand.RequestAsync(socketPath, request);
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"appliance {verb}: cannot reach the service at {socketPath}: {e.Message}");
            return 1;
        }
        using var parsed = JsonDocument.Parse(reply);
        var root = parsed.RootElement;
        bool ok = root.TryGetProperty("ok", out var okElement) && okElement.ValueKind == JsonValueKind.True;
        string message = root.TryGetProperty(ok ? "message" : "error", out var m) ? m.GetString() ?? "" : reply.Trim();
        (ok ? Console.Out : Console.Error).WriteLine(ok ? message : $"appliance {verb}: {message}");
        return ok ? 0 : 1;
    }
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Control;

namespace Appliance.Cli;

/// <summary>`appliance status [--json] [--socket PATH]`: asks the running service over its Unix socket.</summary>
public static class StatusCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args);
        bool json = a.Flag("--json");
        string path = a.Option("--socket") ?? ControlSocketServer.DefaultPath;
        a.NoneRemaining();

        string document;
        try
        {
            document = await RequestAsync(path, "status");
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"appliance status: cannot reach the service at {path}: {e.Message}");
            return 1;
        }
        if (json)
        {
            Console.Write(document);
            return 0;
        }
        using var parsed = JsonDocument.Parse(document);
        StatusRenderer.Render(parsed.RootElement, Console.Out);
        return 0;
    }

    public static async Task<string> RequestAsync(string socketPath, string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(Encoding.UTF8.GetBytes(request + "\n"), SocketFlags.None);
        using var ms = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            ms.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}

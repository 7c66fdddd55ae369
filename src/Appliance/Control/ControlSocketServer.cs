using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Control;

/// <summary>
/// The Unix socket `appliance status` (and up/down/rekey) talks to. One request line per connection:
/// `status` answers the JSON status document; `reinitiate` re-initiates every tunnel; `up NAME`, `down NAME`,
/// `rekey NAME` and `rekey-ike NAME` act on one tunnel and answer {"ok":…,"message":…}; `simulate SCENARIO`
/// switches the simulated board's sensors (refused on hardware).
/// Local only and root/group-restricted (0660), so it needs no authentication of its own.
/// </summary>
public sealed class ControlSocketServer(
    IOptions<ApplianceOptions> options,
    IEnumerable<IStatusSection> sections,
    ControlCommands commands,
    ILogger<ControlSocketServer> logger) : BackgroundService
{
    public const string DefaultPath = "/run/appliance/control.sock";
    private const int MaxRequestBytes = 256;

    public static string PathFor(ApplianceOptions o) => o.ControlSocket ?? DefaultPath;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string path = PathFor(options.Value);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path)) File.Delete(path); // a stale socket from a killed instance
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        listener.Listen(8);
        logger.LogInformation("control socket listening on {Path}", path);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket client = await listener.AcceptAsync(stoppingToken);
                _ = Task.Run(() => ServeAsync(client, stoppingToken), stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                string request = await ReadLineAsync(client, timeout.Token);
                byte[] reply = Handle(request);
                await client.SendAsync(reply, SocketFlags.None, timeout.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                logger.LogDebug("control client dropped: {Message}", e.Message);
            }
        }
    }

    private byte[] Handle(string request)
    {
        switch (request)
        {
            case "status":
                return StatusDocument();
            case "reinitiate":
                commands.ReinitiateAll();
                return "{\"ok\":true}\n"u8.ToArray();
        }
        string[] words = request.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 2 && commands.Tunnels is { } tunnels && words[0] is "up" or "down" or "rekey" or "rekey-ike")
        {
            logger.LogDebug("control: {Verb} {Tunnel}", words[0], words[1]);
            TunnelControlResult result = words[0] switch
            {
                "up" => tunnels.Up(words[1]),
                "down" => tunnels.Down(words[1]),
                "rekey" => tunnels.Rekey(words[1], ikeSa: false),
                _ => tunnels.Rekey(words[1], ikeSa: true),
            };
            return Reply(result.Ok, result.Message);
        }
        if (words.Length == 2 && words[0] == "simulate")
        {
            if (commands.Simulation is not { } simulation)
                return Reply(false, "only the simulated board can simulate sensors");
            logger.LogInformation("control: simulate {Scenario}", words[1]);
            TunnelControlResult result = simulation.Apply(words[1]);
            return Reply(result.Ok, result.Message);
        }
        return Reply(false, "unknown request");
    }

    private static byte[] Reply(bool ok, string message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", ok);
            writer.WriteString(ok ? "message" : "error", message);
            writer.WriteEndObject();
        }
        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    public byte[] StatusDocument()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("version", Program.FirmwareVersion);
            foreach (var section in sections)
                section.Write(writer);
            writer.WriteEndObject();
        }
        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    private static async Task<string> ReadLineAsync(Socket client, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestBytes];
        int used = 0;
        while (used < buffer.Length)
        {
            int n = await client.ReceiveAsync(buffer.AsMemory(used), SocketFlags.None, ct);
            if (n == 0) break;
            used += n;
            int nl = Array.IndexOf(buffer, (byte)'\n', 0, used);
            if (nl >= 0) { used = nl; break; }
        }
        return Encoding.UTF8.GetString(buffer, 0, used).Trim();
    }
}


using Appliance.Control;

namespace Appliance.Cli;

/// <summary>
/// `appliance up|down NAME` and `appliance rekey [--ike] NAME` [--socket PATH]: asks the running service to initiate,
/// close (and keep closed) or rekey one tunnel, as swanctl --initiate/--terminate/--rekey.
/// </summary>
public static class TunnelCommand
{
    public static async Task<int> RunAsync(string verb, string[] args)
    {
        var a = new Arguments(args);
        bool ike = verb == "rekey" && a.Flag("--ike");
        string path = a.Option("--socket") ?? ControlSocketServer.DefaultPath;
        string[] rest = a.Remaining;
        if (rest.Length != 1 || rest[0].StartsWith('-'))
            throw new UsageException(verb == "rekey" ? "usage: appliance rekey [--ike] TUNNEL [--socket PATH]" : $"usage: appliance {verb} TUNNEL [--socket PATH]");
        string tunnel = rest[0];
        // One request line with one space between words: a name with blanks or control characters cannot be a tunnel.
        if (tunnel.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || tunnel.Length > 64)
            throw new UsageException($"'{tunnel}' is not a tunnel name");

        return await ControlReply.SendAsync(verb, path, $"{(ike ? "rekey-ike" : verb)} {tunnel}");
    }
}

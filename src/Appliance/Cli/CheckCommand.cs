using Appliance.Board;
using Appliance.BoardIntegration;
using Appliance.Common;

namespace Appliance.Cli;

/// <summary>
/// `appliance check [--config PATH] [--Appliance:Key=value ...]`: loads the layered configuration exactly as `run`
/// does (file, factory.json, config.json, environment, overrides) and validates it, board profile included, without
/// starting anything. Exit 0 with "configuration OK", or 78 with every bad key named, as `run` would.
/// </summary>
public static class CheckCommand
{
    public static int Run(string[] args)
    {
        var a = new Arguments(args);
        string configFile = a.Option("--config") ?? StateLayout.DefaultConfigFile;
        if (!RunCommand.TryLoad(configFile, a.Remaining, out _, out var options))
            return RunCommand.ExitConfig;
        try
        {
            BoardProfile.Load(options.Board, BoardDirectory.Resolve(options));
        }
        catch (BoardProfileException e)
        {
            Console.Error.WriteLine($"appliance: board profile error: {e.Message}");
            return RunCommand.ExitConfig;
        }
        Console.WriteLine($"configuration OK: board {options.Board}, {options.Tunnels.Count} tunnel(s): {string.Join(", ", options.Tunnels.Keys)}");
        return 0;
    }
}

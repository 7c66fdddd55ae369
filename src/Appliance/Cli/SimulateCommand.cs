using Appliance.Board;
using Appliance.Control;

namespace Appliance.Cli;

/// <summary>
/// `appliance simulate normal|under-voltage|overheat [--socket PATH]`: on the simulated board, switches
/// its fake health sensors so the LEDs and status show an under-powered or overheating box (demo, tests).
/// </summary>
public static class SimulateCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args);
        string path = a.Option("--socket") ?? ControlSocketServer.DefaultPath;
        string[] rest = a.Remaining;
        if (rest.Length != 1 || !SimulatedHealthSensors.Scenarios.Contains(rest[0]))
            throw new UsageException($"usage: appliance simulate {string.Join('|', SimulatedHealthSensors.Scenarios)} [--socket PATH]");
        return ControlReply.SendAsync("simulate", path, $"simulate {rest[0]}");
    }
}

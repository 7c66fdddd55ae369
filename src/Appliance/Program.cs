using Appliance.Cli;

namespace Appliance;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Usage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        string[] rest = args[1..];
        try
        {
            return args[0] switch
            {
                "run" => await RunCommand.RunAsync(rest),
                "check" => CheckCommand.Run(rest),
                "status" => await StatusCommand.RunAsync(rest),
                "up" or "down" or "rekey" => await TunnelCommand.RunAsync(args[0], rest),
                "simulate" => await SimulateCommand.RunAsync(rest),
                "selftest" => SelfTestCommand.Run(rest),
                "provision" => await ProvisionCommand.RunAsync(rest),
                "user" => UserCommand.Run(rest),
                "console-select" => ConsoleSelectCommand.Run(rest),
                "version" or "--version" => Version(),
                _ => UnknownVerb(args[0]),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"appliance {args[0]}: {e.Message}");
            return 2;
        }
    }

    public static string FirmwareVersion =>
        typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static int Version()
    {
        Console.WriteLine($"appliance {FirmwareVersion}");
        return 0;
    }

    private static int UnknownVerb(string verb)
    {
        Console.Error.WriteLine($"appliance: unknown command '{verb}'");
        Usage(Console.Error);
        return 2;
    }

    private static void Usage(TextWriter w)
    {
        w.WriteLine("usage: appliance <command> [options]");
        w.WriteLine("  run [--config PATH] [--Appliance:Key=value ...]   run the service (default config /etc/appliance/appliance.json)");
        w.WriteLine("  check [--config PATH] [--Appliance:Key=value ...] validate the layered configuration as run would; exit 78 naming bad keys");
        w.WriteLine("  status [--json] [--socket PATH]                    show tunnels, SAs, counters, LEDs and board health");
        w.WriteLine("  up TUNNEL [--socket PATH]                          initiate the tunnel now");
        w.WriteLine("  down TUNNEL [--socket PATH]                        close the tunnel (DELETE) and keep it down until `up`");
        w.WriteLine("  rekey [--ike] TUNNEL [--socket PATH]               rekey its Child SAs now, or with --ike its IKE SA");
        w.WriteLine("  simulate normal|under-voltage|overheat [--socket PATH]");
        w.WriteLine("                                                     simulated board only: switch its health sensors (demo, tests)");
        w.WriteLine("  user add NAME | del NAME | list [--config PATH]    remote-access users in users.json (password from the terminal or stdin)");
        w.WriteLine("  selftest                                           crypto known-answer tests; exit 1 on any mismatch");
        w.WriteLine("  provision --port DEV --profile FILE [--csr-out DIR] [--cert FILE] [--lock]");
        w.WriteLine("                                                     drive factory provisioning of a box over its serial console");
        w.WriteLine("  console-select [--config PATH]                     at boot: give the console UART to provisioning or to the login getty");
        w.WriteLine("  version                                            print the firmware version");
    }
}

using Appliance.Board;
using Appliance.BoardIntegration;
using Appliance.Common;
using Appliance.Linux.Native;
using Appliance.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Cli;

/// <summary>
/// `appliance console-select`: run once per boot before the login getty. Reads the reset button
/// (held at power-up = provisioning mode, recorded in a flag file for the service) and decides who owns
/// the console UART: provisioning while the box is unlocked or in provisioning mode, the getty otherwise.
/// Under systemd it starts appliance-provisioning.target, whose Conflicts= keeps the getty off the port
/// (both units ship in image/meta-appliance).
/// </summary>
public static class ConsoleSelectCommand
{
    public const string ProvisioningUnit = "appliance-provisioning.target";

    public static int Run(string[] args)
    {
        var a = new Arguments(args);
        string configFile = a.Option("--config") ?? StateLayout.DefaultConfigFile;
        string flag = a.Option("--flag") ?? ProvisioningGate.DefaultProvisioningModeFlag;
        string? unit = a.Option("--start") ?? (Environment.GetEnvironmentVariable("INVOCATION_ID") is null ? null : ProvisioningUnit);
        string[] overrides = a.Remaining;

        if (!RunCommand.TryLoad(configFile, overrides, out _, out var options)) return RunCommand.ExitConfig;
        var layout = new StateLayout(options.StateDirectory);
        bool held;
        try
        {
            var profile = BoardProfile.Load(options.Board, BoardDirectory.Resolve(options));
            using var gpio = BoardGpio.Open(profile);
            // Constructing the button service reads the pin once; no reset can be triggered from here.
            var button = new ResetButtonService(profile, gpio, new ApplianceStateHolder(), () => { }, TimeProvider.System,
                NullLogger<ResetButtonService>.Instance);
            held = button.ProvisioningModeRequested;
        }
        catch (Exception e) when (e is BoardProfileException or GpioUnavailableException or IOException or UnauthorizedAccessException)
        {
            // Without the button the safe choice is the normal one: no provisioning mode.
            Console.Error.WriteLine($"appliance console-select: cannot read the reset button: {e.Message}");
            held = false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(flag))!);
        if (held) AtomicFile.WriteAllText(flag, "reset button held at power-up\n", AtomicFile.PublicMode);
        else if (File.Exists(flag)) File.Delete(flag);

        bool locked = File.Exists(layout.ProvisioningLock);
        bool provisioningOwns = ProvisioningGate.ShouldOwnConsole(locked, held);
        Console.WriteLine($"console: {(provisioningOwns ? "provisioning" : "login")} (locked: {(locked ? "yes" : "no")}, button held: {(held ? "yes" : "no")})");
        if (provisioningOwns && unit is not null)
        {
            try
            {
                int status = ChildProcess.Run("systemctl", ["start", "--no-block", unit]);
                if (status != 0) Console.Error.WriteLine($"appliance console-select: systemctl start {unit} failed ({status})");
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"appliance console-select: {e.Message}");
            }
        }
        return 0;
    }
}

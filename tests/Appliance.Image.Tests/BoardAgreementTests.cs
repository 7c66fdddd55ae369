using System.Text.RegularExpressions;
using Appliance.Image.Tests.Support;

namespace Appliance.Image.Tests;

/// <summary>The board profiles (board/*/board.json) and the image agree on machines, the UART and the NICs.</summary>
public sealed class BoardAgreementTests
{
    private static BitbakeFile Recipe => BitbakeFile.Load(Repo.ServiceRecipe);
    private static BitbakeFile Distro => BitbakeFile.Load(Repo.DistroConf);

    // Machines of meta-raspberrypi (scarthgap and wrynose) and poky that the profiles may name.
    private static readonly string[] KnownMachines = ["raspberrypi4-64", "raspberrypi5", "qemuarm64"];

    [Fact]
    public void The_recipe_knows_exactly_the_board_profiles()
    {
        Assert.Equal(Boards.Names(), Recipe.Words("APPLIANCE_BOARDS").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_profile_names_a_machine_the_layers_provide()
    {
        foreach (string name in Boards.Names())
            Assert.Contains(Boards.Load(name).YoctoMachine, KnownMachines);
    }

    [Fact]
    public void The_default_board_of_each_machine_is_a_board_for_that_machine()
    {
        var def = Recipe.Functions.Single(f => f.Name == "appliance_default_board").Body;
        var map = Regex.Matches(def, @"""(?<machine>[a-z0-9-]+)"":\s*""(?<board>[a-z0-9]+)""")
            .ToDictionary(m => m.Groups["machine"].Value, m => m.Groups["board"].Value);
        Assert.Equal(KnownMachines.Order(), map.Keys.Order());
        foreach (var (machine, board) in map)
            Assert.Equal(machine, Boards.Load(board).YoctoMachine);
        // A CM4 carrier shares raspberrypi4-64 with the Pi 4; its kas file picks the cm4 profile.
        Assert.Equal("raspberrypi4-64", Boards.Load("cm4").YoctoMachine);
        Assert.Equal("??=", Recipe.Assignments.Single(a => a.Name == "APPLIANCE_BOARD").Operator);
    }

    [Fact]
    public void The_uart_is_enabled_and_left_to_provisioning()
    {
        Assert.Equal("1", Distro.Value("ENABLE_UART"));
        // No kernel console and no login getty on the line the provisioning protocol uses.
        Assert.Equal("", Distro.Value("CMDLINE_SERIAL"));
        Assert.Equal("", Distro.Value("SERIAL_CONSOLES"));
        Assert.Equal("systemd", Distro.Value("INIT_MANAGER"));
    }

    [Fact]
    public void Every_console_device_is_reachable_through_the_udev_rules_and_the_device_allow_list()
    {
        string rules = File.ReadAllText(Repo.UdevRules);
        string unit = File.ReadAllText(Repo.Unit);
        foreach (string name in Boards.Names().Where(n => n != "simulated"))
        {
            var b = Boards.Load(name);
            foreach (string device in new[] { b.ConsoleDevice, b.ConsoleFallback }.OfType<string>())
            {
                // /dev/serial0 is the firmware's alias: ttyS0 (mini UART) or ttyAMA0 (PL011) on BCM2711.
                string[] kernelNames = device == "/dev/serial0" ? ["ttyS0", "ttyAMA0"] : [Path.GetFileName(device)];
                foreach (string k in kernelNames)
                {
                    string family = Regex.Match(k, "^[A-Za-z]+").Value;
                    Assert.Contains($"{family}[0-9]*", rules, StringComparison.Ordinal);
                    Assert.Contains($"DeviceAllow=char-{family} rw", unit, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void Interface_names_of_the_profiles_are_the_classic_kernel_names_the_image_keeps()
    {
        // net.ifnames=0 keeps eth0 (onboard) and eth1 (USB adapter) instead of predictable names.
        Assert.Contains("net.ifnames=0", Distro.Value("CMDLINE:append:pn-rpi-cmdline"), StringComparison.Ordinal);
        foreach (string name in Boards.Names().Where(n => n != "simulated"))
        {
            var b = Boards.Load(name);
            Assert.Matches("^eth[0-9]$", b.Wan);
            Assert.Matches("^eth[0-9]$", b.Lan);
        }
    }
}

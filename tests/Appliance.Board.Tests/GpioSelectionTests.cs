using System.Device.Gpio;
using System.Text;

namespace Appliance.Board.Tests;

/// <summary>Driver and chip selection against fake sysfs trees shaped like real boards.</summary>
public class GpioSelectionTests
{
    private static readonly BoardProfile Rpi4 = BoardProfile.Load("rpi4", RepoPaths.BoardRoot);
    private static readonly BoardProfile Rpi5 = BoardProfile.Load("rpi5", RepoPaths.BoardRoot);

    // A legacy sysfs entry: /sys/class/gpio/gpiochip<base>/{label,ngpio,device -> parent holding gpiochip<n>}.
    private static void AddLegacyChip(TempDir sys, int number, int gpioBase, string label, int lines)
    {
        string parent = sys.Combine("devices", "platform", $"dev{number}");
        Directory.CreateDirectory(Path.Combine(parent, $"gpiochip{number}"));
        string cls = sys.Combine("class", "gpio", $"gpiochip{gpioBase}");
        Directory.CreateDirectory(cls);
        File.WriteAllText(Path.Combine(cls, "label"), label + "\n");
        File.WriteAllText(Path.Combine(cls, "ngpio"), lines + "\n");
        Directory.CreateSymbolicLink(Path.Combine(cls, "device"), parent);
    }

    // The newer per-chip entry: /sys/class/gpio/chip<n>/{label,ngpio}.
    private static void AddChipById(TempDir sys, int number, string label, int lines)
    {
        string cls = sys.Combine("class", "gpio", $"chip{number}");
        Directory.CreateDirectory(cls);
        File.WriteAllText(Path.Combine(cls, "label"), label + "\n");
        File.WriteAllText(Path.Combine(cls, "ngpio"), lines + "\n");
    }

    private static Func<string, bool> Libraries(params string[] present) => name => present.Contains(name);

    [Fact]
    public void Pi4_legacy_sysfs_maps_base_512_to_gpiochip0()
    {
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "pinctrl-bcm2711", 58);
        AddLegacyChip(sys, 1, 570, "raspberrypi-exp-gpio", 8);

        var chips = new SysfsGpioChipCatalog(sys.Path).Enumerate();

        Assert.Equal([new GpioChipEntry(0, "pinctrl-bcm2711", 58), new GpioChipEntry(1, "raspberrypi-exp-gpio", 8)], chips);
    }

    [Fact]
    public void Pi5_picks_rp1_by_label_not_by_line_count_or_number()
    {
        // Shaped like a Pi 5 on a 6.6 kernel: the RP1 chip is gpiochip4 and is not the one with most lines.
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "gpio-brcmstb@107d508500", 32);
        AddLegacyChip(sys, 1, 544, "gpio-brcmstb@107d508520", 4);
        AddLegacyChip(sys, 2, 548, "gpio-brcmstb@107d517c00", 17);
        AddLegacyChip(sys, 3, 565, "gpio-brcmstb@107d517c20", 6);
        AddLegacyChip(sys, 4, 571, "pinctrl-rp1", 54);
        AddLegacyChip(sys, 10, 700, "big-expander", 128);

        GpioDriverPlan plan = GpioDriverFactory.Plan(Rpi5, GpioEnvironment.FromSysfs(sys.Path, Libraries("libgpiod.so.3")));

        Assert.Equal(new GpioDriverPlan(GpioBackend.LibgpiodV2, 4, "pinctrl-rp1"), plan);
    }

    [Fact]
    public void New_chip_id_entries_are_read_and_not_double_counted()
    {
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "pinctrl-rp1", 54);
        AddChipById(sys, 0, "pinctrl-rp1", 54);

        Assert.Equal([new GpioChipEntry(0, "pinctrl-rp1", 54)], new SysfsGpioChipCatalog(sys.Path).Enumerate());
    }

    [Fact]
    public void A_chip_without_parent_device_is_its_own_gpiochip_device()
    {
        using var sys = new TempDir();
        string gdev = sys.Combine("devices", "virtual", "gpiochip7");
        Directory.CreateDirectory(gdev);
        string cls = sys.Combine("class", "gpio", "gpiochip600");
        Directory.CreateDirectory(cls);
        File.WriteAllText(Path.Combine(cls, "label"), "pinctrl-bcm2711\n");
        File.WriteAllText(Path.Combine(cls, "ngpio"), "58\n");
        Directory.CreateSymbolicLink(Path.Combine(cls, "device"), gdev);

        Assert.Equal([new GpioChipEntry(7, "pinctrl-bcm2711", 58)], new SysfsGpioChipCatalog(sys.Path).Enumerate());
    }

    [Fact]
    public void Libgpiod_v2_is_preferred_then_v1()
    {
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "pinctrl-bcm2711", 58);

        Assert.Equal(GpioBackend.LibgpiodV2,
            GpioDriverFactory.Plan(Rpi4, GpioEnvironment.FromSysfs(sys.Path, Libraries("libgpiod.so.3", "libgpiod.so.2"))).Backend);
        Assert.Equal(GpioBackend.LibgpiodV1,
            GpioDriverFactory.Plan(Rpi4, GpioEnvironment.FromSysfs(sys.Path, Libraries("libgpiod.so.2"))).Backend);
    }

    [Fact]
    public void No_libgpiod_is_a_clear_error()
    {
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "pinctrl-bcm2711", 58);

        var e = Assert.Throws<GpioUnavailableException>(() => GpioDriverFactory.Plan(Rpi4, GpioEnvironment.FromSysfs(sys.Path, Libraries())));
        Assert.Contains("neither libgpiod.so.3 (libgpiod 2.x) nor libgpiod.so.2 (libgpiod 1.x) can be loaded", e.Message);
    }

    [Fact]
    public void A_missing_chip_names_the_chips_that_exist()
    {
        using var sys = new TempDir();
        AddLegacyChip(sys, 0, 512, "pinctrl-bcm2711", 58);

        var e = Assert.Throws<GpioUnavailableException>(() =>
            GpioDriverFactory.Plan(Rpi5, GpioEnvironment.FromSysfs(sys.Path, Libraries("libgpiod.so.3"))));
        Assert.Contains("no GPIO chip labelled 'pinctrl-rp1' (found gpiochip0 'pinctrl-bcm2711')", e.Message);
    }

    [Fact]
    public void No_chips_at_all_says_so()
    {
        using var sys = new TempDir();
        var e = Assert.Throws<GpioUnavailableException>(() =>
            GpioDriverFactory.Plan(Rpi4, GpioEnvironment.FromSysfs(sys.Path, Libraries("libgpiod.so.3"))));
        Assert.Contains("no GPIO chips were found", e.Message);
    }

    [Fact]
    public void Two_chips_with_one_label_are_ambiguous()
    {
        var e = Assert.Throws<GpioUnavailableException>(() => GpioChipSelector.Select(
            [new GpioChipEntry(0, "pinctrl-rp1", 54), new GpioChipEntry(4, "pinctrl-rp1", 54)], "pinctrl-rp1"));
        Assert.Contains("ambiguous", e.Message);
    }

    [Fact]
    public void The_simulated_profile_needs_no_libraries_and_builds_the_simulated_driver()
    {
        BoardProfile simulated = BoardProfile.Load("simulated", RepoPaths.BoardRoot);
        var environment = new GpioEnvironment(_ => throw new InvalidOperationException("must not probe"), _ => throw new InvalidOperationException("must not list"));

        GpioDriverPlan plan = GpioDriverFactory.Plan(simulated, environment);
        using GpioDriver driver = GpioDriverFactory.CreateDriver(plan);

        Assert.Equal(GpioBackend.Simulated, plan.Backend);
        Assert.IsType<SimulatedGpioDriver>(driver);
        using var controller = GpioDriverFactory.CreateController(simulated);
        Assert.Equal(SimulatedGpioDriver.LineCount, controller.PinCount);
        using BoardGpio gpio = BoardGpio.Open(simulated, environment);
        Assert.NotNull(gpio.Simulated);
        Assert.Same(gpio.Simulated, gpio.Edges);
    }

    [Fact]
    public void This_machine_without_gpio_gives_a_clear_error_not_a_crash()
    {
        // The build machine has no Raspberry Pi GPIO chip; whichever check fails first, the error is ours.
        var e = Assert.Throws<GpioUnavailableException>(() => BoardGpio.Open(Rpi4));
        Assert.True(e.Message.Contains("libgpiod", StringComparison.Ordinal) || e.Message.Contains("pinctrl-bcm2711", StringComparison.Ordinal), e.Message);
    }
}

using System.Text;

namespace Appliance.Board.Tests;

public class BoardProfileTests
{
    [Theory]
    [InlineData("rpi4", "pinctrl-bcm2711", "raspberrypi4-64", GpioDriverKind.Libgpiod)]
    [InlineData("rpi5", "pinctrl-rp1", "raspberrypi5", GpioDriverKind.Libgpiod)]
    [InlineData("cm4", "pinctrl-bcm2711", "raspberrypi4-64", GpioDriverKind.Libgpiod)]
    [InlineData("simulated", "simulated", "qemuarm64", GpioDriverKind.Simulated)]
    public void Every_shipped_profile_loads_and_validates(string board, string chip, string machine, GpioDriverKind driver)
    {
        BoardProfile profile = BoardProfile.Load(board, RepoPaths.BoardRoot);

        Assert.Equal(board, profile.Name);
        Assert.Equal(chip, profile.Gpio.ChipLabel);
        Assert.Equal(driver, profile.Gpio.Driver);
        Assert.Equal(machine, profile.YoctoMachine);
        Assert.Equal(Enum.GetValues<LedRole>().Order(), profile.Leds.Select(l => l.Role).Order());
        Assert.Equal(5, profile.Leds.Select(l => l.Pin).Append(profile.ResetButton.Pin).Distinct().Count());
        Assert.True(profile.ResetButton.PullUp);
        Assert.True(profile.ResetButton.ActiveLow);
        Assert.NotEqual(profile.Network.Wan, profile.Network.Lan);
        Assert.StartsWith("/dev/", profile.Console.Device);
    }

    [Fact]
    public void Pi5_console_is_the_debug_uart_and_cm4_leds_are_active_low()
    {
        Assert.Equal("/dev/ttyAMA10", BoardProfile.Load("rpi5", RepoPaths.BoardRoot).Console.Device);
        Assert.All(BoardProfile.Load("cm4", RepoPaths.BoardRoot).Leds, led => Assert.True(led.ActiveLow));
        Assert.Equal("/dev/serial0", BoardProfile.Load("rpi4", RepoPaths.BoardRoot).Console.Device);
    }

    [Fact]
    public void ListBoards_names_the_four_profiles()
    {
        Assert.Equal(["cm4", "rpi4", "rpi5", "simulated"], BoardProfile.ListBoards(RepoPaths.BoardRoot));
    }

    [Fact]
    public void Unknown_board_names_the_known_ones()
    {
        var e = Assert.Throws<BoardProfileException>(() => BoardProfile.Load("rpi9", RepoPaths.BoardRoot));
        Assert.Contains("board 'rpi9' is unknown", e.Message);
        Assert.Contains("rpi4", e.Message);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("rpi4/../rpi5")]
    [InlineData("RPI4")]
    [InlineData("")]
    public void Board_names_that_are_not_plain_names_are_refused(string name)
    {
        var e = Assert.Throws<BoardProfileException>(() => BoardProfile.Load(name, RepoPaths.BoardRoot));
        Assert.Contains("is not valid", e.Message);
    }

    [Fact]
    public void Folder_and_Name_must_agree()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("other"));
        File.Copy(Path.Combine(RepoPaths.BoardRoot, "rpi4", "board.json"), dir.Combine("other", "board.json"));

        var e = Assert.Throws<BoardProfileException>(() => BoardProfile.Load("other", dir.Path));
        Assert.Contains("\"Name\" is 'rpi4' but the folder is 'other'", e.Message);
    }

    [Fact]
    public void A_pin_used_twice_is_a_clear_error()
    {
        string json = Rpi4Json().Replace("\"Pin\": 27", "\"Pin\": 17");
        var e = Parse(json);
        Assert.Contains("pin 17 is used twice: by the PWR LED and by the WAN LED", e.Message);
    }

    [Fact]
    public void The_button_sharing_an_led_pin_is_a_clear_error()
    {
        string json = Rpi4Json().Replace("\"Pin\": 26", "\"Pin\": 23");
        Assert.Contains("pin 23 is used twice: by the FLT LED and by the reset button", Parse(json).Message);
    }

    [Fact]
    public void An_unknown_chip_is_a_clear_error()
    {
        string json = Rpi4Json().Replace("pinctrl-bcm2711", "pinctrl-bcm9999");
        var e = Parse(json);
        Assert.Contains("\"Gpio.ChipLabel\" 'pinctrl-bcm9999' is an unknown GPIO chip", e.Message);
        Assert.Contains("pinctrl-rp1", e.Message); // The message lists what is known.
    }

    [Fact]
    public void Pins_outside_the_chip_or_reserved_are_errors()
    {
        Assert.Contains("uses pin 99, but chip 'pinctrl-bcm2711' has lines 0..57",
            Parse(Rpi4Json().Replace("\"Pin\": 22", "\"Pin\": 99")).Message);
        Assert.Contains("uses pin 14, which is reserved",
            Parse(Rpi4Json().Replace("\"Pin\": 22", "\"Pin\": 14")).Message);
    }

    [Fact]
    public void Every_role_must_have_an_led()
    {
        string json = Rpi4Json().Replace("\"Role\": \"Fault\"", "\"Role\": \"Tunnel\"");
        var e = Parse(json);
        Assert.Contains("Tunnel is used by two LEDs", e.Message);
        Assert.Contains("\"Leds\" has no Fault LED", e.Message);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        string json = Rpi4Json()
            .Replace("\"Colour\": \"red\"", "\"Colour\": \"purple\"")
            .Replace("\"Lan\": \"eth1\"", "\"Lan\": \"eth0\"")
            .Replace("\"ActiveLow\": true", "\"ActiveLow\": false");
        var e = Parse(json);
        Assert.Contains("\"Leds[3].Colour\" must be one of", e.Message);
        Assert.Contains("\"Network.Wan\" and \"Network.Lan\" are both 'eth0'", e.Message);
        Assert.Contains("PullUp true but ActiveLow false", e.Message);
    }

    [Fact]
    public void Unknown_members_are_errors_not_silently_ignored()
    {
        string json = Rpi4Json().Replace("\"ActiveLow\": true }", "\"ActiveLow\": true, \"ActivLow\": true }");
        var e = Parse(json);
        Assert.Contains("ActivLow", e.Message);
        Assert.Contains("test.json", e.Message);
    }

    [Theory]
    [InlineData("\"Pin\": 17", "\"Pin\": \"17\"", "\"Leds[0].Pin\" must be an integer")]
    [InlineData("\"ActiveLow\": true }", "\"ActiveLow\": 1 }", "must be true or false")]
    [InlineData("\"Network\": {", "\"Network\": [], \"Unused\": {", "\"Network\" must be an object")]
    [InlineData("\"HotCelsius\": 80", "\"HotCelsius\": 80, \"HotCelsius\": 90", "\"Health.HotCelsius\" is given twice")]
    public void Wrong_types_and_repeated_members_are_named_by_path(string find, string replace, string message)
    {
        string json = Rpi4Json();
        Assert.Contains(find, json);
        var e = Parse(ReplaceFirst(json, find, replace));
        Assert.Contains("not a valid board profile", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_null_profile_is_refused()
    {
        Assert.Contains("empty (null)", Parse("null").Message);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        int i = text.IndexOf(find, StringComparison.Ordinal);
        return text[..i] + replace + text[(i + find.Length)..];
    }

    [Fact]
    public void Malformed_json_reports_the_line()
    {
        string json = Rpi4Json().Replace("\"Network\": {", "\"Network\" {");
        var e = Parse(json);
        Assert.Matches("not a valid board profile at line [0-9]+", e.Message);
    }

    [Fact]
    public void Missing_sections_are_named()
    {
        var e = Parse("""{ "Name": "x" }""");
        foreach (string field in new[] { "YoctoMachine", "Gpio", "Leds", "ResetButton", "Console", "Network", "Health" })
            Assert.Contains($"\"{field}\" is missing", e.Message);
    }

    [Theory]
    [InlineData("eth 0")]
    [InlineData("a-very-long-interface-name")]
    [InlineData("eth0/1")]
    public void Interface_names_follow_the_kernel_rules(string name)
    {
        var e = Parse(Rpi4Json().Replace("\"Wan\": \"eth0\"", $"\"Wan\": \"{name}\""));
        Assert.Contains("is not a valid Linux interface name", e.Message);
    }

    [Fact]
    public void Simulated_driver_only_fits_the_simulated_chip()
    {
        var e = Parse(Rpi4Json().Replace("\"Driver\": \"libgpiod\"", "\"Driver\": \"simulated\""));
        Assert.Contains("does not fit chip 'pinctrl-bcm2711'", e.Message);
    }

    [Theory]
    [InlineData("\"ThermalZone\": \"cpu-thermal\"", "\"ThermalZone\": \"../../etc\"", "\"Health.ThermalZone\" must name a thermal zone type")]
    [InlineData("\"ThermalZone\": \"cpu-thermal\", ", "", "\"Health.ThermalZone\" must name a thermal zone type such as \"cpu-thermal\" (found nothing)")]
    [InlineData("\"UnderVoltageHwmon\": \"rpi_volt\"", "\"UnderVoltageHwmon\": \"rpi volt\"", "\"Health.UnderVoltageHwmon\" must be a hwmon name")]
    [InlineData("\"Source\": \"mailbox\"", "\"Source\": \"vcgencmd\"", "\"Health.Throttled.Source\" must be \"mailbox\" or \"file\" (found 'vcgencmd')")]
    [InlineData("\"Path\": \"/dev/vcio\"", "\"Path\": \"/sys/vcio\"", "\"Health.Throttled.Path\" must be a path under /dev/ for source 'mailbox'")]
    [InlineData("\"Source\": \"mailbox\", \"Path\": \"/dev/vcio\"", "\"Source\": \"file\", \"Path\": \"/dev/vcio\"", "must be a path under /sys/ for source 'file'")]
    [InlineData("\"Path\": \"/dev/vcio\"", "\"Path\": \"/dev/../etc/passwd\"", "\"Health.Throttled.Path\" must be a path under /dev/")]
    [InlineData("\"HotCelsius\": 80", "\"HotCelsius\": 30", "\"Health.HotCelsius\" 30 is out of range (50..110 °C)")]
    [InlineData(", \"HotCelsius\": 80", "", "\"Health.HotCelsius\" is missing")]
    [InlineData("\"HotCelsius\": 80", "\"HotCelsius\": 80, \"Hot\": 1", "not a valid board profile")]
    public void Health_section_mistakes_are_named(string find, string replace, string message)
    {
        string json = Rpi4Json();
        Assert.Contains(find, json);
        var e = Parse(json.Replace(find, replace));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_board_without_hwmon_or_firmware_word_is_valid()
    {
        string json = Rpi4Json().Replace("\"UnderVoltageHwmon\": \"rpi_volt\",", "")
            .Replace("\"Throttled\": { \"Source\": \"mailbox\", \"Path\": \"/dev/vcio\" }, ", "");
        BoardProfile profile = BoardProfile.Parse(Encoding.UTF8.GetBytes(json), "test.json");
        Assert.Null(profile.Health.UnderVoltageHwmon);
        Assert.Null(profile.Health.Throttled);
        Assert.Equal("cpu-thermal", profile.Health.ThermalZone);
    }

    private static string Rpi4Json() => File.ReadAllText(Path.Combine(RepoPaths.BoardRoot, "rpi4", "board.json"));

    private static BoardProfileException Parse(string json) =>
        Assert.Throws<BoardProfileException>(() => BoardProfile.Parse(Encoding.UTF8.GetBytes(json), "test.json"));
}

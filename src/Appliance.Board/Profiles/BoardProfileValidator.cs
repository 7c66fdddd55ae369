
namespace Appliance.Board;

/// <summary>
/// Turns the raw document into a <see cref="BoardProfile"/> or fails with every problem listed,
/// so a technician fixing a profile sees all mistakes at once.
/// </summary>
internal static class BoardProfileValidator
{
    private const int MaxInterfaceNameLength = 15; // IFNAMSIZ - 1

    public static BoardProfile Validate(BoardProfileDocument doc, string source)
    {
        var errors = new List<string>();

        string name = Required(doc.Name, "Name", errors);
        string description = doc.Description ?? "";
        string machine = Required(doc.YoctoMachine, "YoctoMachine", errors);

        GpioChipProfile? gpio = ValidateGpio(doc.Gpio, errors, out KnownGpioChips.Chip? chip);
        IReadOnlyList<LedDefinition> leds = ValidateLeds(doc.Leds, errors);
        ResetButtonDefinition? button = ValidateButton(doc.ResetButton, errors);
        ConsoleDefinition? console = ValidateConsole(doc.Console, errors);
        NetworkDefinition? network = ValidateNetwork(doc.Network, errors);
        HealthDefinition? health = HealthProfileValidator.Validate(doc.Health, errors);

        if (chip is not null)
            ValidatePins(chip, leds, button, errors);

        if (errors.Count > 0 || gpio is null || button is null || console is null || network is null || health is null)
            throw new BoardProfileException($"{source}: invalid board profile:{Environment.NewLine}  - " +
                                            string.Join(Environment.NewLine + "  - ", errors));

        return new BoardProfile(name, description, machine, gpio, leds, button, console, network, health);
    }

    private static string Required(string? value, string field, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"\"{field}\" is missing");
            return "";
        }
        return value;
    }

    private static GpioChipProfile? ValidateGpio(GpioDocument? doc, List<string> errors, out KnownGpioChips.Chip? chip)
    {
        chip = null;
        if (doc is null) { errors.Add("\"Gpio\" is missing"); return null; }

        GpioDriverKind? driver = doc.Driver switch
        {
            "libgpiod" => GpioDriverKind.Libgpiod,
            "simulated" => GpioDriverKind.Simulated,
            _ => null,
        };
        if (driver is null)
            errors.Add($"\"Gpio.Driver\" must be \"libgpiod\" or \"simulated\" (found {Show(doc.Driver)})");

        string label = Required(doc.ChipLabel, "Gpio.ChipLabel", errors);
        if (label.Length > 0)
        {
            if (KnownGpioChips.TryGet(label, out KnownGpioChips.Chip found))
                chip = found;
            else
                errors.Add($"\"Gpio.ChipLabel\" '{label}' is an unknown GPIO chip (known: {string.Join(", ", KnownGpioChips.Labels)})");
        }

        if (driver is GpioDriverKind d && label.Length > 0 && (d == GpioDriverKind.Simulated) != (label == KnownGpioChips.SimulatedLabel))
            errors.Add($"\"Gpio.Driver\" '{doc.Driver}' does not fit chip '{label}': only the simulated driver uses the '{KnownGpioChips.SimulatedLabel}' chip");

        return driver is GpioDriverKind kind && chip is not null ? new GpioChipProfile(kind, label) : null;
    }

    private static IReadOnlyList<LedDefinition> ValidateLeds(List<LedDocument?>? docs, List<string> errors)
    {
        if (docs is null) { errors.Add("\"Leds\" is missing"); return []; }

        var leds = new List<LedDefinition>();
        var roles = new HashSet<LedRole>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < docs.Count; i++)
        {
            string at = $"Leds[{i}]";
            LedDocument? doc = docs[i];
            if (doc is null) { errors.Add($"\"{at}\" is null"); continue; }

            LedRole? role = TryParseName<LedRole>(doc.Role, StringComparison.Ordinal);
            if (role is null)
                errors.Add($"\"{at}.Role\" must be one of {string.Join(", ", Enum.GetNames<LedRole>())} (found {Show(doc.Role)})");
            else if (!roles.Add(role.Value))
                errors.Add($"\"{at}.Role\" {role} is used by two LEDs");

            string name = Required(doc.Name, at + ".Name", errors);
            if (name.Length > 8)
                errors.Add($"\"{at}.Name\" '{name}' is longer than 8 characters (it is a case label)");
            else if (name.Length > 0 && !names.Add(name))
                errors.Add($"\"{at}.Name\" '{name}' is used by two LEDs");

            if (doc.Pin is null) errors.Add($"\"{at}.Pin\" is missing");

            LedColour? colour = TryParseName<LedColour>(doc.Colour, StringComparison.OrdinalIgnoreCase);
            if (colour is null)
                errors.Add($"\"{at}.Colour\" must be one of {string.Join(", ", Enum.GetNames<LedColour>().Select(n => n.ToLowerInvariant()))} (found {Show(doc.Colour)})");

            if (doc.ActiveLow is null) errors.Add($"\"{at}.ActiveLow\" is missing");

            if (role is not null && doc.Pin is int pin && colour is not null && doc.ActiveLow is bool activeLow)
                leds.Add(new LedDefinition(role.Value, name, pin, colour.Value, activeLow));
        }

        foreach (LedRole required in Enum.GetValues<LedRole>())
            if (!roles.Contains(required))
                errors.Add($"\"Leds\" has no {required} LED (every board needs {string.Join(", ", Enum.GetNames<LedRole>())})");

        return leds.ToArray();
    }

    // Names only: Enum.TryParse would also accept numbers and comma lists.
    private static T? TryParseName<T>(string? text, StringComparison comparison) where T : struct, Enum
    {
        foreach (T value in Enum.GetValues<T>())
            if (string.Equals(text, value.ToString(), comparison))
                return value;
        return null;
    }

    private static ResetButtonDefinition? ValidateButton(ResetButtonDocument? doc, List<string> errors)
    {
        if (doc is null) { errors.Add("\"ResetButton\" is missing"); return null; }
        if (doc.Pin is null) errors.Add("\"ResetButton.Pin\" is missing");
        if (doc.PullUp is null) errors.Add("\"ResetButton.PullUp\" is missing");
        if (doc.ActiveLow is null) errors.Add("\"ResetButton.ActiveLow\" is missing");
        // A pull-up with an active-high button would read "pressed" whenever nobody touches it.
        if (doc.PullUp == true && doc.ActiveLow == false)
            errors.Add("\"ResetButton\" has PullUp true but ActiveLow false: an idle pulled-up line would read as pressed");
        return doc is { Pin: int pin, PullUp: bool pullUp, ActiveLow: bool activeLow }
            ? new ResetButtonDefinition(pin, pullUp, activeLow)
            : null;
    }

    private static ConsoleDefinition? ValidateConsole(ConsoleDocument? doc, List<string> errors)
    {
        if (doc is null) { errors.Add("\"Console\" is missing"); return null; }
        string device = Required(doc.Device, "Console.Device", errors);
        if (device.Length > 0 && !IsDevicePath(device))
            errors.Add($"\"Console.Device\" '{device}' must be a path under /dev/");
        if (doc.Fallback is not null && !IsDevicePath(doc.Fallback))
            errors.Add($"\"Console.Fallback\" '{doc.Fallback}' must be a path under /dev/");
        int baud = doc.BaudRate ?? 115200;
        if (baud is < 1200 or > 4_000_000)
            errors.Add($"\"Console.BaudRate\" {baud} is out of range (1200..4000000)");
        return device.Length > 0 ? new ConsoleDefinition(device, doc.Fallback, baud) : null;
    }

    private static bool IsDevicePath(string path) =>
        path.StartsWith("/dev/", StringComparison.Ordinal) && path.Length > 5 && !path.Contains("..", StringComparison.Ordinal);

    private static NetworkDefinition? ValidateNetwork(NetworkDocument? doc, List<string> errors)
    {
        if (doc is null) { errors.Add("\"Network\" is missing"); return null; }
        string wan = ValidateInterfaceName(doc.Wan, "Network.Wan", errors);
        string lan = ValidateInterfaceName(doc.Lan, "Network.Lan", errors);
        if (wan.Length > 0 && wan == lan)
            errors.Add($"\"Network.Wan\" and \"Network.Lan\" are both '{wan}': the box needs two interfaces");
        return new NetworkDefinition(wan, lan);
    }

    private static string ValidateInterfaceName(string? name, string field, List<string> errors)
    {
        string value = Required(name, field, errors);
        if (value.Length == 0) return value;
        // The kernel's dev_valid_name(): at most IFNAMSIZ-1 bytes, no '/', ':' or whitespace, not "." or "..".
        bool valid = value.Length <= MaxInterfaceNameLength && value is not ("." or "..") &&
                     value.All(c => c > ' ' && c < 0x7f && c != '/' && c != ':');
        if (!valid)
            errors.Add($"\"{field}\" '{value}' is not a valid Linux interface name (1-15 printable characters, no '/', ':' or spaces)");
        return value;
    }

    private static void ValidatePins(KnownGpioChips.Chip chip, IReadOnlyList<LedDefinition> leds, ResetButtonDefinition? button, List<string> errors)
    {
        var owners = new Dictionary<int, string>();
        void Claim(int pin, string owner)
        {
            if (pin < 0 || pin >= chip.Lines)
                errors.Add($"{owner} uses pin {pin}, but chip '{chip.Label}' has lines 0..{chip.Lines - 1}");
            else if (chip.ReservedLines.Contains(pin))
                errors.Add($"{owner} uses pin {pin}, which is reserved on '{chip.Label}' (lines {string.Join(", ", chip.ReservedLines.Order())}: ID EEPROM and console UART)");
            if (owners.TryGetValue(pin, out string? other))
                errors.Add($"pin {pin} is used twice: by {other} and by {owner}");
            else
                owners[pin] = owner;
        }

        foreach (LedDefinition led in leds)
            Claim(led.Pin, $"the {led.Name} LED");
        if (button is not null)
            Claim(button.Pin, "the reset button");
    }

    private static string Show(string? value) => value is null ? "nothing" : $"'{value}'";
}

using Appliance.Common;

namespace Appliance.Board;

/// <summary>
/// One board's wiring, read from <c>board/&lt;name&gt;/board.json</c>: which GPIO chip, which lines drive the
/// LEDs and read the reset button, the console UART, the default NIC names and the Yocto MACHINE.
/// Instances are only created through <see cref="Load"/> / <see cref="Parse"/>, which validate them,
/// so code holding a profile can trust it.
/// </summary>
public sealed partial record BoardProfile
{
    public const string ProfileFileName = "board.json";

    internal BoardProfile(
        string name, string description, string yoctoMachine, GpioChipProfile gpio,
        IReadOnlyList<LedDefinition> leds, ResetButtonDefinition resetButton,
        ConsoleDefinition console, NetworkDefinition network, HealthDefinition health)
    {
        Name = name;
        Description = description;
        YoctoMachine = yoctoMachine;
        Gpio = gpio;
        Leds = leds;
        ResetButton = resetButton;
        Console = console;
        Network = network;
        Health = health;
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>The meta-raspberrypi (or oe-core) MACHINE this board is built with.</summary>
    public string YoctoMachine { get; }
    public GpioChipProfile Gpio { get; }
    /// <summary>Exactly one LED per <see cref="LedRole"/>, in the order the profile lists them.</summary>
    public IReadOnlyList<LedDefinition> Leds { get; }
    public ResetButtonDefinition ResetButton { get; }
    public ConsoleDefinition Console { get; }
    public NetworkDefinition Network { get; }
    /// <summary>Where the SoC temperature and the firmware's power/throttling flags are read.</summary>
    public HealthDefinition Health { get; }

    public bool IsSimulated => Gpio.Driver == GpioDriverKind.Simulated;

    public LedDefinition Led(LedRole role)
    {
        foreach (LedDefinition led in Leds)
            if (led.Role == role) return led;
        // Unreachable for a validated profile: validation demands every role.
        throw new InvalidOperationException($"board '{Name}' has no {role} LED");
    }

    /// <summary>Reads and validates <c>{boardRoot}/{boardName}/board.json</c>.</summary>
    /// <exception cref="BoardProfileException">The board is unknown or its profile is invalid.</exception>
    public static BoardProfile Load(string boardName, string boardRoot)
    {
        ArgumentNullException.ThrowIfNull(boardName);
        ArgumentException.ThrowIfNullOrWhiteSpace(boardRoot);
        // The name becomes part of a path: refuse anything that could leave boardRoot.
        if (!TextShape.IsBoardName(boardName))
            throw new BoardProfileException($"board name '{boardName}' is not valid: use lower-case letters, digits and '-'");

        string path = Path.Combine(boardRoot, boardName, ProfileFileName);
        if (!File.Exists(path))
            throw new BoardProfileException(
                $"board '{boardName}' is unknown: {path} does not exist (known boards: {string.Join(", ", ListBoards(boardRoot))})");

        byte[] json;
        try { json = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BoardProfileException($"{path}: cannot be read: {e.Message}", e);
        }

        BoardProfile profile = Parse(json, path);
        if (profile.Name != boardName)
            throw new BoardProfileException($"{path}: \"Name\" is '{profile.Name}' but the folder is '{boardName}'");
        return profile;
    }

    /// <summary>Parses and validates a profile; <paramref name="source"/> names it in error messages.</summary>
    public static BoardProfile Parse(ReadOnlySpan<byte> json, string source) =>
        BoardProfileValidator.Validate(BoardProfileReader.Read(json, source), source);

    /// <summary>Board names that have a profile under <paramref name="boardRoot"/>.</summary>
    public static IReadOnlyList<string> ListBoards(string boardRoot)
    {
        if (!Directory.Exists(boardRoot)) return [];
        var names = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(boardRoot))
            if (File.Exists(Path.Combine(dir, ProfileFileName)))
                names.Add(Path.GetFileName(dir));
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}

public enum GpioDriverKind
{
    /// <summary>The kernel GPIO character device through libgpiod (v2 preferred, v1 as fallback).</summary>
    Libgpiod,
    /// <summary>An in-process simulated chip: no hardware.</summary>
    Simulated,
}

/// <summary>The GPIO chip, named by its label because chip numbers change between kernels.</summary>
public sealed record GpioChipProfile(GpioDriverKind Driver, string ChipLabel);

public enum LedRole { Power, Wan, Tunnel, Fault }

public enum LedColour { Green, Amber, Red, Blue, White, Yellow }

/// <param name="Name">The short label printed on the case, e.g. "PWR".</param>
/// <param name="Pin">The line offset on the profile's GPIO chip (BCM GPIO number on a Raspberry Pi).</param>
/// <param name="ActiveLow">True when the LED lights with the line driven low (sinking).</param>
public sealed record LedDefinition(LedRole Role, string Name, int Pin, LedColour Colour, bool ActiveLow);

/// <param name="PullUp">Enable the SoC's internal pull-up (the button then shorts the line to ground).</param>
/// <param name="ActiveLow">True when a pressed button reads low.</param>
public sealed record ResetButtonDefinition(int Pin, bool PullUp, bool ActiveLow);

/// <param name="Device">The console UART; a symlink such as /dev/serial0 is resolved at run time.</param>
/// <param name="Fallback">Used when <paramref name="Device"/> does not exist (e.g. serial0 not created).</param>
public sealed record ConsoleDefinition(string Device, string? Fallback, int BaudRate);

/// <summary>Default interface names; configuration may override them.</summary>
public sealed record NetworkDefinition(string Wan, string Lan);

public enum ThrottleSourceKind
{
    /// <summary>The firmware mailbox device (/dev/vcio), asked with GET_THROTTLED.</summary>
    Mailbox,
    /// <summary>A file holding the word in hex (the legacy get_throttled attribute; the simulated board).</summary>
    File,
}

/// <param name="Path">The device or file; absolute, under /dev/ or /sys/.</param>
public sealed record ThrottleSourceDefinition(ThrottleSourceKind Kind, string Path);

/// <summary>The board's health sensors (see board/README.md, "Health").</summary>
/// <param name="ThermalZone">The <c>type</c> of the /sys/class/thermal/thermal_zone* that is the SoC.</param>
/// <param name="UnderVoltageHwmon">The <c>name</c> of the /sys/class/hwmon/hwmon* whose <c>in0_lcrit_alarm</c>
/// is the under-voltage alarm ("rpi_volt"), or null.</param>
/// <param name="Throttled">Where the firmware's throttled word is read, or null when the board has none.</param>
/// <param name="HotCelsius">At or above this SoC temperature the box reports "hot" itself.</param>
public sealed record HealthDefinition(string ThermalZone, string? UnderVoltageHwmon, ThrottleSourceDefinition? Throttled, double HotCelsius);

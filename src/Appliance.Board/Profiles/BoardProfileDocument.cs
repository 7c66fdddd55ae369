namespace Appliance.Board;

// The JSON shape of board.json, exactly as written. Every member is nullable so a missing field
// reaches the validator, which names it, instead of silently becoming a default.

internal sealed class BoardProfileDocument
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? YoctoMachine { get; set; }
    public GpioDocument? Gpio { get; set; }
    public List<LedDocument?>? Leds { get; set; }
    public ResetButtonDocument? ResetButton { get; set; }
    public ConsoleDocument? Console { get; set; }
    public NetworkDocument? Network { get; set; }
    public HealthDocument? Health { get; set; }
    /// <summary>Free text for people (wiring notes); ignored by the service.</summary>
    public string? Notes { get; set; }
}

internal sealed class GpioDocument
{
    public string? Driver { get; set; }
    public string? ChipLabel { get; set; }
}

internal sealed class LedDocument
{
    public string? Role { get; set; }
    public string? Name { get; set; }
    public int? Pin { get; set; }
    public string? Colour { get; set; }
    public bool? ActiveLow { get; set; }
}

internal sealed class ResetButtonDocument
{
    public int? Pin { get; set; }
    public bool? PullUp { get; set; }
    public bool? ActiveLow { get; set; }
}

internal sealed class ConsoleDocument
{
    public string? Device { get; set; }
    public string? Fallback { get; set; }
    public int? BaudRate { get; set; }
}

internal sealed class NetworkDocument
{
    public string? Wan { get; set; }
    public string? Lan { get; set; }
}

internal sealed class HealthDocument
{
    public string? ThermalZone { get; set; }
    public string? UnderVoltageHwmon { get; set; }
    public ThrottleSourceDocument? Throttled { get; set; }
    public double? HotCelsius { get; set; }
}

internal sealed class ThrottleSourceDocument
{
    public string? Source { get; set; }
    public string? Path { get; set; }
}

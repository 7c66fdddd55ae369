using System.Collections.Frozen;

namespace Appliance.Board;

/// <summary>
/// GPIO chips a profile may name. The label is what the kernel reports for the chip
/// (/sys/class/gpio/gpiochip*/label, libgpiod chip info); the line count bounds the pins.
/// Reserved lines are ones the box needs for something else and must not be an LED or button.
/// </summary>
public static class KnownGpioChips
{
    public sealed record Chip(string Label, int Lines, IReadOnlySet<int> ReservedLines, string Notes);

    public const string SimulatedLabel = "simulated";

    // ID_SD/ID_SC (0, 1) carry the HAT ID EEPROM bus; TXD0/RXD0 (14, 15) are the header console UART.
    private static readonly FrozenSet<int> HeaderReserved = new[] { 0, 1, 14, 15 }.ToFrozenSet();

    private static readonly FrozenDictionary<string, Chip> Chips = new Chip[]
    {
        new("pinctrl-bcm2711", 58, HeaderReserved, "BCM2711 (Raspberry Pi 4, Pi 400, CM4)"),
        new("pinctrl-bcm2835", 54, HeaderReserved, "BCM2835/6/7 (Raspberry Pi 1-3, CM3)"),
        new("pinctrl-rp1", 54, HeaderReserved, "RP1 south bridge (Raspberry Pi 5, CM5)"),
        new(SimulatedLabel, 64, FrozenSet<int>.Empty, "in-process simulated chip"),
    }.ToFrozenDictionary(c => c.Label, StringComparer.Ordinal);

    public static bool TryGet(string label, out Chip chip) => Chips.TryGetValue(label, out chip!);

    public static IEnumerable<string> Labels => Chips.Keys.Order(StringComparer.Ordinal);
}

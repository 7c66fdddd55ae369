namespace Appliance.Board;

/// <summary>Picks the chip number for a label; chip numbers move between kernels, labels do not.</summary>
public static class GpioChipSelector
{
    /// <exception cref="GpioUnavailableException">No chip, or more than one, carries the label.</exception>
    public static GpioChipEntry Select(IReadOnlyList<GpioChipEntry> chips, string label)
    {
        ArgumentNullException.ThrowIfNull(chips);
        GpioChipEntry? match = null;
        foreach (GpioChipEntry chip in chips)
        {
            if (!string.Equals(chip.Label, label, StringComparison.Ordinal)) continue;
            if (match is not null)
                throw new GpioUnavailableException(
                    $"GPIO chip label '{label}' is ambiguous: gpiochip{match.Number} and gpiochip{chip.Number} both carry it");
            match = chip;
        }
        if (match is not null) return match;

        string found = chips.Count == 0
            ? "no GPIO chips were found"
            : "found " + string.Join(", ", chips.Select(c => $"gpiochip{c.Number} '{c.Label}'"));
        throw new GpioUnavailableException($"no GPIO chip labelled '{label}' ({found}); is this the right board profile?");
    }
}

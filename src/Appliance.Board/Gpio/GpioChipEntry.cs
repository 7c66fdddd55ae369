namespace Appliance.Board;

/// <summary>A GPIO chip as the kernel lists it: /dev/gpiochip{Number} carries label <see cref="Label"/>.</summary>
public sealed record GpioChipEntry(int Number, string Label, int Lines);

namespace Appliance.Board;

/// <param name="IsOn">Lit at the moment of the snapshot (a blinking LED alternates).</param>
public sealed record LedReading(string Name, LedRole Role, LedColour Colour, LedPattern Pattern, bool IsOn);

/// <summary>What the LEDs show, for <c>appliance status</c> and the terminal renderer.</summary>
public sealed record LedSnapshot(IReadOnlyList<LedReading> Leds, ApplianceCondition Condition, DateTimeOffset At)
{
    public string Description => LedLanguage.Describe(Condition);
}

namespace Appliance.Board;

/// <summary>
/// What can be wrong with the board's power or temperature. The low four bits are the firmware's
/// <c>get_throttled</c> bits 0-3 at their own positions (the "has occurred" copies are bits 16-19 of
/// the firmware word); <see cref="Hot"/> is the service's own reading of the SoC temperature against
/// the profile's <c>Health.HotCelsius</c>, for boards or kernels that give no firmware word.
/// </summary>
[Flags]
public enum BoardHealthFlags
{
    None = 0,
    /// <summary>Bit 0: the supply is below about 4.63 V (the firmware's under-voltage detector).</summary>
    UnderVoltage = 1 << 0,
    /// <summary>Bit 1: the ARM frequency is capped below the configured maximum.</summary>
    FrequencyCapped = 1 << 1,
    /// <summary>Bit 2: the firmware is throttling (clocks and voltage lowered).</summary>
    Throttled = 1 << 2,
    /// <summary>Bit 3: the soft temperature limit is active.</summary>
    SoftTemperatureLimit = 1 << 3,
    /// <summary>The SoC temperature read from the thermal zone is at or above the profile's limit.</summary>
    Hot = 1 << 8,
}

/// <summary>Names and the firmware word's layout.</summary>
public static class BoardHealthFlagNames
{
    /// <summary>Every single flag, in the order status and logs list them.</summary>
    public static readonly BoardHealthFlags[] All =
    [
        BoardHealthFlags.UnderVoltage, BoardHealthFlags.FrequencyCapped, BoardHealthFlags.Throttled,
        BoardHealthFlags.SoftTemperatureLimit, BoardHealthFlags.Hot,
    ];

    /// <summary>The bits the firmware reports (bits 0-3 now, bits 16-19 the same since they were last cleared).</summary>
    public const uint FirmwareNowMask = 0xF;
    public const int FirmwareOccurredShift = 16;

    /// <summary>The flags active now in a firmware <c>get_throttled</c> word.</summary>
    public static BoardHealthFlags FirmwareNow(uint word) => (BoardHealthFlags)(word & FirmwareNowMask);

    /// <summary>The flags the firmware's sticky bits say have occurred.</summary>
    public static BoardHealthFlags FirmwareOccurred(uint word) => (BoardHealthFlags)((word >> FirmwareOccurredShift) & FirmwareNowMask);

    /// <summary>The name status and logs use, e.g. "under-voltage".</summary>
    public static string Name(BoardHealthFlags flag) => flag switch
    {
        BoardHealthFlags.UnderVoltage => "under-voltage",
        BoardHealthFlags.FrequencyCapped => "frequency-capped",
        BoardHealthFlags.Throttled => "throttled",
        BoardHealthFlags.SoftTemperatureLimit => "soft-temperature-limit",
        BoardHealthFlags.Hot => "hot",
        _ => flag.ToString(),
    };

    /// <summary>The set flags' names in <see cref="All"/> order.</summary>
    public static IReadOnlyList<string> Names(BoardHealthFlags flags)
    {
        var names = new List<string>(All.Length);
        foreach (BoardHealthFlags flag in All)
            if ((flags & flag) != 0) names.Add(Name(flag));
        return names;
    }

    /// <summary>Power trouble: the supply sags. Everything else set is thermal.</summary>
    public static bool IsPowerProblem(BoardHealthFlags flags) => (flags & BoardHealthFlags.UnderVoltage) != 0;
}

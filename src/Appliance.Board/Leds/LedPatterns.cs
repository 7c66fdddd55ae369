namespace Appliance.Board;

/// <summary>One pattern per LED role: the whole picture the box shows at one moment.</summary>
public readonly record struct LedPatterns(LedPattern Power, LedPattern Wan, LedPattern Tunnel, LedPattern Fault)
{
    public LedPattern this[LedRole role] => role switch
    {
        LedRole.Power => Power,
        LedRole.Wan => Wan,
        LedRole.Tunnel => Tunnel,
        LedRole.Fault => Fault,
        _ => LedPattern.Off,
    };
}

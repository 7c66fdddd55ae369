namespace Appliance.Ike;

/// <summary>
/// Per-tunnel time lifetimes (strongSwan's rekey_time / life_time for the Child and the IKE SA). A null
/// rekey time leaves rekeying to the peer; a null life time is rekey time + 10 %, as strongSwan defaults it,
/// so an SA whose rekeys keep failing is torn down instead of being used forever.
/// </summary>
public sealed record SaLifetimes(TimeSpan? ChildRekeyTime, TimeSpan? ChildLifeTime, TimeSpan? IkeRekeyTime, TimeSpan? IkeLifeTime)
{
    /// <summary>The hard limit belonging to a rekey time when none is configured.</summary>
    public static TimeSpan? DefaultLife(TimeSpan? rekey, TimeSpan? life) =>
        life ?? (rekey is { } r ? TimeSpan.FromTicks(r.Ticks + r.Ticks / 10) : null);
}

using Appliance.Ike;
using Appliance.Ipsec;

namespace Appliance.Configuration;

/// <summary>
/// A tunnel's lifetimes: time limits go to the IKE engine, byte and packet limits to the data plane (RFC 4301 §4.4.2.1).
/// Soft limits start a rekey; hard limits stop an SA that was not replaced in time. As in strongSwan, an unset hard
/// limit is the soft one + 10 %, and soft byte/packet limits are lowered by up to 10 % at random so the two ends of
/// a tunnel do not both start the rekey at the same moment.
/// </summary>
public static class TunnelLifetimeRules
{
    public static void Validate(List<string> errors, string key, TunnelOptions t)
    {
        NotNegative(errors, $"{key}:RekeyTime", t.RekeyTime);
        NotNegative(errors, $"{key}:LifeTime", t.LifeTime);
        NotNegative(errors, $"{key}:IkeRekeyTime", t.IkeRekeyTime);
        NotNegative(errors, $"{key}:IkeLifeTime", t.IkeLifeTime);
        NotNegative(errors, $"{key}:Inactivity", t.Inactivity);
        if (t.RekeyTime > TimeSpan.Zero && t.LifeTime > TimeSpan.Zero && t.LifeTime <= t.RekeyTime)
            errors.Add($"{key}:LifeTime: must be longer than RekeyTime ({t.RekeyTime}), or the SA dies before it is rekeyed");
        if (t.IkeRekeyTime > TimeSpan.Zero && t.IkeLifeTime > TimeSpan.Zero && t.IkeLifeTime <= t.IkeRekeyTime)
            errors.Add($"{key}:IkeLifeTime: must be longer than IkeRekeyTime ({t.IkeRekeyTime})");
        Limits(errors, key, "Bytes", t.RekeyBytes, t.LifeBytes);
        Limits(errors, key, "Packets", t.RekeyPackets, t.LifePackets);
    }

    /// <summary>Time limits for the engine, with the [Appliance:Ike] defaults filled in; zero means off.</summary>
    public static SaLifetimes Times(TunnelOptions t, IkeOptions defaults) => new(
        Positive(t.RekeyTime ?? defaults.RekeyTime), Positive(t.LifeTime),
        Positive(t.IkeRekeyTime ?? defaults.IkeRekeyTime), Positive(t.IkeLifeTime));

    /// <summary>Byte/packet limits for one Child SA; <paramref name="share"/> in [0, 1) picks the soft limits' jitter.</summary>
    public static SaLifetime Volume(TunnelOptions t, double share)
    {
        (long softBytes, long hardBytes) = Pair(t.RekeyBytes, t.LifeBytes, share);
        (long softPackets, long hardPackets) = Pair(t.RekeyPackets, t.LifePackets, share);
        return new SaLifetime(softBytes, hardBytes, softPackets, hardPackets);
    }

    private static (long Soft, long Hard) Pair(long? rekey, long? life, double share)
    {
        long soft = rekey is > 0 ? rekey.Value - (long)(rekey.Value * 0.1 * share) : 0;
        long hard = life is > 0 ? life.Value : rekey is > 0 ? rekey.Value + rekey.Value / 10 : 0;
        return (soft, hard);
    }

    private static TimeSpan? Positive(TimeSpan? t) => t > TimeSpan.Zero ? t : null;

    private static void NotNegative(List<string> errors, string key, TimeSpan? t)
    {
        if (t < TimeSpan.Zero) errors.Add($"{key}: must not be negative");
    }

    private static void Limits(List<string> errors, string key, string unit, long? rekey, long? life)
    {
        if (rekey < 0) errors.Add($"{key}:Rekey{unit}: must not be negative");
        if (life < 0) errors.Add($"{key}:Life{unit}: must not be negative");
        if (rekey > 0 && life > 0 && life <= rekey)
            errors.Add($"{key}:Life{unit}: must be larger than Rekey{unit} ({rekey}), or the SA stops before it is rekeyed");
    }
}

namespace Appliance.Ipsec;

/// <summary>
/// Byte and packet limits of an SA (RFC 4301 §4.4.2.1 "SA lifetime"). Zero means no limit. Soft limits
/// only raise <c>SoftLifetimeReached</c> so IKE can rekey early; hard limits stop the SA.
/// </summary>
public readonly record struct SaLifetime(long SoftBytes = 0, long HardBytes = 0, long SoftPackets = 0, long HardPackets = 0)
{
    public static SaLifetime Unlimited => default;

    internal bool HardReached(long bytes, long packets) =>
        (HardBytes > 0 && bytes >= HardBytes) || (HardPackets > 0 && packets >= HardPackets);

    internal bool SoftReached(long bytes, long packets) =>
        (SoftBytes > 0 && bytes >= SoftBytes) || (SoftPackets > 0 && packets >= SoftPackets);
}

namespace Appliance.Linux.Sa;

/// <summary>
/// Fires once when an SA first reaches its soft byte/packet limit (or runs low on sequence numbers), straight from the
/// packet path: at hundreds of Mbit/s the 10 % between soft and hard limit passes in well under a second, so waiting
/// for a periodic check would let the hard limit stop the SA before IKE rekeyed it.
/// </summary>
internal sealed class SoftLifetimeLatch
{
    private int _fired;

    /// <summary>Called once, on the packet thread that noticed; it must only hand the work off.</summary>
    public Action? OnReached { get; set; }

    public bool Armed => OnReached != null && Volatile.Read(ref _fired) == 0;

    public void Fire()
    {
        if (Interlocked.Exchange(ref _fired, 1) == 0) OnReached?.Invoke();
    }
}

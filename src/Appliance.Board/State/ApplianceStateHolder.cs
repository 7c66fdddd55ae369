namespace Appliance.Board;

/// <summary>
/// The one mutable cell holding <see cref="ApplianceState"/>. Writers (IKE host, link monitor,
/// reset button, provisioning) call the setters from any thread; each update is a lock-free
/// compare-and-swap of an immutable snapshot, so readers never see half an update.
/// </summary>
public sealed class ApplianceStateHolder : IApplianceStateSource
{
    private ApplianceState _current;

    public ApplianceStateHolder(ApplianceState? initial = null) => _current = initial ?? ApplianceState.Initial;

    public ApplianceState Current => Volatile.Read(ref _current);

    public event Action<ApplianceState>? Changed;

    /// <summary>Applies <paramref name="change"/> atomically; it may run more than once under contention, so keep it pure.</summary>
    public ApplianceState Update(Func<ApplianceState, ApplianceState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            ApplianceState before = Volatile.Read(ref _current);
            ApplianceState after = change(before);
            if (after.Equals(before)) return before;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, after, before), before))
            {
                Changed?.Invoke(after);
                return after;
            }
        }
    }

    public void MarkBooted() => Update(s => s with { Booting = false });
    public void SetWanLink(bool up) => Update(s => s with { WanLinkUp = up });
    public void SetTunnel(string name, TunnelState state) => Update(s => s with { Tunnels = s.Tunnels.SetItem(name, state) });
    public void RemoveTunnel(string name) => Update(s => s with { Tunnels = s.Tunnels.Remove(name) });
    public void SetProvisioningMode(bool on) => Update(s => s with { ProvisioningMode = on });
    public void SetResetArmed(bool armed) => Update(s => s with { ResetArmed = armed });
    public void RaiseFault(string source, string reason) => Update(s => s with { Faults = s.Faults.SetItem(source, reason) });
    public void SetHealth(BoardHealthFlags flags) => Update(s => s with { Health = flags });
    public void ClearFault(string source) => Update(s => s with { Faults = s.Faults.Remove(source) });
}

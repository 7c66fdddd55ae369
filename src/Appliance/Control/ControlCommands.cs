namespace Appliance.Control;

/// <summary>Actions the control socket (and the reset button) can trigger; wired to the IKE service.</summary>
public sealed class ControlCommands
{
    public event Action? Reinitiate;
    public void ReinitiateAll() => Reinitiate?.Invoke();

    /// <summary>Per-tunnel operations (`appliance up|down|rekey`); set by the IKE service.</summary>
    public ITunnelControl? Tunnels { get; set; }

    /// <summary>`appliance simulate`: set only on the simulated board.</summary>
    public IBoardSimulation? Simulation { get; set; }
}

/// <summary>Switches the simulated board's sensors to a scenario ("under-voltage", "overheat", "normal").</summary>
public interface IBoardSimulation
{
    TunnelControlResult Apply(string scenario);
}

/// <summary>An operator's per-tunnel commands, as swanctl --initiate, --terminate and --rekey.</summary>
public interface ITunnelControl
{
    TunnelControlResult Up(string tunnel);
    TunnelControlResult Down(string tunnel);
    TunnelControlResult Rekey(string tunnel, bool ikeSa);
}

/// <summary>What a command did, in words for the technician.</summary>
public readonly record struct TunnelControlResult(bool Ok, string Message)
{
    public static TunnelControlResult Done(string message) => new(true, message);
    public static TunnelControlResult Fail(string message) => new(false, message);
}

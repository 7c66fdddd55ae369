using Appliance.Board;
using Appliance.Control;

namespace Appliance.BoardIntegration;

/// <summary>`appliance simulate SCENARIO` on the simulated board: switches its fake health sensors.</summary>
public sealed class SimulatedBoardControl(SimulatedHealthSensors sensors, BoardHealthService health) : IBoardSimulation
{
    public TunnelControlResult Apply(string scenario)
    {
        if (!sensors.Apply(scenario))
            return TunnelControlResult.Fail($"unknown scenario '{scenario}' (known: {string.Join(", ", SimulatedHealthSensors.Scenarios)})");
        // Read at once, so the LEDs and status show it now rather than at the next poll.
        health.Poll();
        return TunnelControlResult.Done($"simulated board: {scenario}");
    }
}

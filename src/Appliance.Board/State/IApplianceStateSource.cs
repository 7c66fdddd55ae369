namespace Appliance.Board;

/// <summary>Read side of the appliance state, for the LED service and the status command.</summary>
public interface IApplianceStateSource
{
    ApplianceState Current { get; }

    /// <summary>Raised after each change, on the thread that made it.</summary>
    event Action<ApplianceState>? Changed;
}

using System.Device.Gpio;

namespace Appliance.Board;

/// <summary>
/// The board's GPIO as the services use it: the controller, how it was built, and — on the simulated
/// board — the simulated chip, so tests and the demo can press the button. Disposing closes every line.
/// </summary>
public sealed class BoardGpio : IDisposable
{
    public BoardGpio(GpioController controller, GpioDriverPlan plan, SimulatedGpioDriver? simulated = null)
    {
        Controller = controller ?? throw new ArgumentNullException(nameof(controller));
        Plan = plan ?? throw new ArgumentNullException(nameof(plan));
        Simulated = simulated;
    }

    public GpioController Controller { get; }
    public GpioDriverPlan Plan { get; }

    /// <summary>The simulated chip, or null on hardware.</summary>
    public SimulatedGpioDriver? Simulated { get; }

    /// <summary>Pushed edges where the driver offers them (simulated only); null means poll.</summary>
    public IPinEdgeSource? Edges => Simulated;

    /// <summary>Selects and opens the profile's GPIO on this machine (see <see cref="GpioDriverFactory"/>).</summary>
    /// <exception cref="GpioUnavailableException">No libgpiod, or the profile's chip is absent.</exception>
    public static BoardGpio Open(BoardProfile profile) => Open(profile, GpioEnvironment.System);

    public static BoardGpio Open(BoardProfile profile, GpioEnvironment environment)
    {
        GpioDriverPlan plan = GpioDriverFactory.Plan(profile, environment);
        GpioDriver driver = GpioDriverFactory.CreateDriver(plan);
        return new BoardGpio(new GpioController(driver), plan, driver as SimulatedGpioDriver);
    }

    /// <summary>A simulated board over <paramref name="driver"/> (a new one if null).</summary>
    public static BoardGpio Simulate(SimulatedGpioDriver? driver = null)
    {
        driver ??= new SimulatedGpioDriver();
        return new BoardGpio(new GpioController(driver), new GpioDriverPlan(GpioBackend.Simulated, 0, KnownGpioChips.SimulatedLabel), driver);
    }

    public void Dispose() => Controller.Dispose();
}

using System.Device.Gpio;

namespace Appliance.Board;

/// <summary>
/// The board's GPIO as the services use it: the controller, how it was built, and — on the simulated
/// board — the simulated chip, so tests and the demo can press the button. Disposing closes every line.
/// </summary>
public sealed class BoardGpio : IDisposable
{
    public BoardGpio(GpioController controller, GpioDriverPlan plan, SimulatedGpioDriver? simulated = null)
        : this(controller, plan, simulated, deferred: null) { }

    private BoardGpio(GpioController controller, GpioDriverPlan? plan, SimulatedGpioDriver? simulated, DeferredGpioDriver? deferred)
    {
        Controller = controller ?? throw new ArgumentNullException(nameof(controller));
        Plan = plan;
        Simulated = simulated;
        Deferred = deferred;
    }

    public GpioController Controller { get; }
    /// <summary>How the GPIO was opened; null while a deferred chip has not opened yet.</summary>
    public GpioDriverPlan? Plan { get; private set; }

    /// <summary>On hardware opened with <see cref="OpenDeferred"/>: the driver that retries; null otherwise.</summary>
    public DeferredGpioDriver? Deferred { get; }

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

    /// <summary>
    /// The service's GPIO: the simulated board as <see cref="Open(BoardProfile)"/>; on hardware a
    /// <see cref="DeferredGpioDriver"/> that opens the profile's chip now or, when that fails, retries
    /// every <paramref name="retryInterval"/> — never throws for an unusable chip.
    /// </summary>
    public static BoardGpio OpenDeferred(BoardProfile profile, GpioEnvironment environment, TimeProvider time, TimeSpan retryInterval)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.IsSimulated) return Open(profile, environment);
        // The controller below may touch the driver while it is built, before the BoardGpio exists.
        GpioDriverPlan? opened = null;
        BoardGpio? gpio = null;
        var driver = new DeferredGpioDriver(() =>
        {
            GpioDriverPlan plan = GpioDriverFactory.Plan(profile, environment);
            GpioDriver real = GpioDriverFactory.CreateDriver(plan);
            opened = plan;
            if (gpio is not null) gpio.Plan = plan;
            return real;
        }, time, retryInterval);
        gpio = new BoardGpio(new GpioController(driver), plan: null, simulated: null, driver);
        gpio.Plan ??= opened;
        return gpio;
    }

    /// <summary>A simulated board over <paramref name="driver"/> (a new one if null).</summary>
    public static BoardGpio Simulate(SimulatedGpioDriver? driver = null)
    {
        driver ??= new SimulatedGpioDriver();
        return new BoardGpio(new GpioController(driver), new GpioDriverPlan(GpioBackend.Simulated, 0, KnownGpioChips.SimulatedLabel), driver);
    }

    public void Dispose() => Controller.Dispose();
}

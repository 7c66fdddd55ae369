using Appliance.Board;
using Microsoft.Extensions.Logging;

namespace Appliance.BoardIntegration;

/// <summary>
/// Opens the board's GPIO for the service so that an unusable chip is a reported fault, not a dead
/// box: the VPN runs, `appliance status` and the log say why the LEDs and the button do not work,
/// and the chip is tried again every <see cref="RetryInterval"/> (udev may apply the gpio group late).
/// </summary>
public static partial class GpioWiring
{
    public const string FaultSource = "gpio";
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(10);

    public static BoardGpio Open(BoardProfile profile, ApplianceStateHolder state, TimeProvider time, ILogger logger) =>
        Open(profile, GpioEnvironment.System, state, time, logger);

    public static BoardGpio Open(BoardProfile profile, GpioEnvironment environment, ApplianceStateHolder state, TimeProvider time, ILogger logger)
    {
        BoardGpio gpio = BoardGpio.OpenDeferred(profile, environment, time, RetryInterval);
        DeferredGpioDriver? deferred = gpio.Deferred;
        if (deferred is null) return gpio;

        bool reported = false;
        deferred.Unavailable += reason =>
        {
            state.RaiseFault(FaultSource, $"GPIO unavailable, LEDs and reset button do not work: {reason}");
            // Once per failing stretch; the retries every few seconds stay quiet.
            if (!reported) LogUnavailable(logger, reason, RetryInterval.TotalSeconds);
            reported = true;
        };
        deferred.Available += () =>
        {
            state.ClearFault(FaultSource);
            if (reported) LogAvailable(logger, gpio.Plan?.ToString() ?? "GPIO");
            reported = false;
        };
        deferred.TryOpen();
        return gpio;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GPIO unavailable ({Reason}): the LEDs and the reset button do not work; the VPN runs; retrying every {Seconds} s")]
    private static partial void LogUnavailable(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "GPIO available again: {Plan}")]
    private static partial void LogAvailable(ILogger logger, string plan);
}

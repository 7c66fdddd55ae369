using Microsoft.Extensions.Logging;

namespace Appliance.Board;

// Log messages of the reset button service (source-generated, allocation-free when disabled).
public sealed partial class ResetButtonService
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Reset button held at power-up: provisioning mode requested")]
    private static partial void LogProvisioning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reset button short press: re-initiating all tunnels")]
    private static partial void LogShortPress(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reset button held: factory reset armed, release to reset")]
    private static partial void LogArmed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Factory reset: removing user configuration and runtime state")]
    private static partial void LogResetting(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Factory reset done; the service restarts clean")]
    private static partial void LogResetDone(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Factory reset failed")]
    private static partial void LogResetFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reset button stuck pressed: reported as a fault, not acted on")]
    private static partial void LogStuck(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reset button released after being stuck: fault cleared")]
    private static partial void LogUnstuck(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the reset button on GPIO {Pin}")]
    private static partial void LogReadFailed(ILogger logger, int pin, Exception exception);
}

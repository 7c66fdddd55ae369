using System.IO.Ports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Provisioning;

/// <summary>
/// Serves the provisioning protocol on the console UART (115200 8N1, no flow control) while
/// <see cref="ProvisioningGate"/> gives provisioning the port; otherwise leaves it to the login getty.
/// One session lives for the whole service, so staged changes survive a reopened port.
/// </summary>
public sealed class ProvisioningConsoleService : BackgroundService
{
    private readonly ProvisioningConsoleOptions _console;
    private readonly ProvisioningSessionOptions _sessionOptions;
    private readonly IProvisioningHardware _hardware;
    private readonly IProvisioningStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ProvisioningConsoleService(ProvisioningConsoleOptions console, ProvisioningSessionOptions sessionOptions,
        IProvisioningHardware hardware, IProvisioningStore store, TimeProvider time, ILogger<ProvisioningConsoleService> logger)
    {
        _console = console;
        _sessionOptions = sessionOptions;
        _hardware = hardware;
        _store = store;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!ProvisioningGate.ShouldOwnConsole(_store.IsLocked, _sessionOptions.ProvisioningMode))
        {
            _logger.LogInformation("Provisioning locked; console {Device} left to the login getty", _console.Device);
            return;
        }
        var session = new ProvisioningSession(_hardware, _store, _sessionOptions, _time, _logger);
        var transport = new ProvisioningTransport(session, _time, _logger);
        _logger.LogInformation("Provisioning console on {Device} ({Mode})", _console.Device,
            _sessionOptions.ProvisioningMode ? "provisioning mode" : "unlocked");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using SerialPort port = Open(_console.Device, _console.BaudRate);
                // Disposing the port is what unblocks a pending read on shutdown.
                using (stoppingToken.Register(port.Dispose))
                    await transport.RunAsync(port.BaseStream, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                _logger.LogWarning("Provisioning console {Device} unavailable: {Message}", _console.Device, e.Message);
            }
            try { await Task.Delay(_console.ReopenDelay, _time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Opens a UART (or any tty, e.g. a pseudo-terminal) at 8N1 without flow control.</summary>
    public static SerialPort Open(string device, int baudRate = 115200)
    {
        var port = new SerialPort(device, baudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = 5000,
        };
        try
        {
            port.Open();
            port.DiscardInBuffer(); // noise from before we listened is nobody's command
            return port;
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }
}

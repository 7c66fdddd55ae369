using Appliance.Board;
using Appliance.Configuration;
using Appliance.Linux.Io;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Network;

/// <summary>
/// Holds back what needs the WAN and LAN NICs until both exist. At boot a NIC can appear after the
/// service starts (a USB adapter, a slow driver probe, TCG in the VM test — where the service aborted
/// with "network interface 'eth1' not found" and systemd restarted it); a NIC that never appears
/// (wrong name, adapter unplugged) is a reported fault while IKE, status and provisioning keep running.
/// Nothing can leak meanwhile: without the LAN NIC there is no office traffic, and IPv4 forwarding
/// is switched on only by the LAN set-up this gate holds back.
/// </summary>
public sealed partial class NetworkInterfaceGate : IHostedService, IDisposable
{
    public const string FaultSource = "interfaces";
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string[] _names;
    private readonly Func<string, bool> _exists;
    private readonly ApplianceStateHolder _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<(string What, Action Start)> _waiting = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _watching;

    public NetworkInterfaceGate(IOptions<ApplianceOptions> options, ApplianceStateHolder state, TimeProvider time,
        ILogger<NetworkInterfaceGate> logger)
        : this([options.Value.Wan.Interface, options.Value.Lan.Interface], InterfaceExists, state, time, logger) { }

    public NetworkInterfaceGate(IEnumerable<string?> names, Func<string, bool> exists, ApplianceStateHolder state,
        TimeProvider time, ILogger logger)
    {
        _names = [.. names.OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)];
        _exists = exists;
        _state = state;
        _time = time;
        _logger = logger;
    }

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>
    /// Runs <paramref name="start"/> now if every NIC exists, else once they do, in the order of the calls
    /// (the LAN address before the data plane). A start that fails later is logged and made a fault.
    /// </summary>
    public void WhenReady(string what, Action start)
    {
        lock (_lock)
        {
            // While the watch runs, queue even if the NIC just appeared: the watch starts the queue in order.
            if (!IsReady && (_watching || Missing().Count > 0))
            {
                _waiting.Add((what, start));
                return;
            }
            _ready.TrySetResult();
        }
        start(); // Present from the start: as before, a failure here fails the service's start.
    }

    /// <summary>Completes when every NIC exists (for background services that can simply wait; after <see cref="StartAsync"/>).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        List<string> missing = Missing();
        if (missing.Count == 0)
        {
            _ready.TrySetResult();
            return Task.CompletedTask;
        }
        lock (_lock) _watching = true;
        string reason = $"waiting for network interface {string.Join(" and ", missing)}";
        _state.RaiseFault(FaultSource, reason);
        LogWaiting(_logger, string.Join(", ", missing));
        _ = WatchAsync(_stop.Token);
        return Task.CompletedTask;
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        var started = _time.GetTimestamp();
        try
        {
            while (Missing().Count > 0)
                await Task.Delay(CheckInterval, _time, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { return; }
        if (stop.IsCancellationRequested) return; // Stopping: nothing starts any more.
        _state.ClearFault(FaultSource);
        LogPresent(_logger, string.Join(", ", _names), _time.GetElapsedTime(started).TotalSeconds);
        // Ready only once the queue is empty: a start queued meanwhile still runs after the earlier ones.
        while (true)
        {
            (string What, Action Start)[] waiting;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _watching = false;
                    _ready.TrySetResult();
                    return;
                }
                waiting = [.. _waiting];
                _waiting.Clear();
            }
            foreach (var (what, start) in waiting)
            {
                try { start(); }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException
                                              or System.Net.Sockets.SocketException or ArgumentException)
                {
                    _state.RaiseFault(FaultSource, $"{what} failed to start: {e.Message}");
                    LogStartFailed(_logger, what, e);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stop.Dispose();

    private List<string> Missing() => [.. _names.Where(n => !_exists(n))];

    private static bool InterfaceExists(string name) => NetworkInterfaceIndex.Exists(name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Network interface {Names} not present yet: the LAN set-up and the data plane start when it appears; IKE waits for the WAN address")]
    private static partial void LogWaiting(ILogger logger, string names);

    [LoggerMessage(Level = LogLevel.Information, Message = "Network interfaces {Names} present after {Seconds:0.0} s: starting what waited for them")]
    private static partial void LogPresent(ILogger logger, string names, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} failed to start once the network interfaces appeared")]
    private static partial void LogStartFailed(ILogger logger, string what, Exception exception);
}

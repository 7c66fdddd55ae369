using System.Net;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Ike;

/// <summary>
/// The IKEv2 engine (RFC 7296), sans I/O: the host feeds received datagrams and clock ticks in and
/// drains outgoing datagrams and events. Every public member is serialised by one lock, so the host
/// may call from several threads; nothing blocks on I/O inside.
/// </summary>
public sealed partial class IkeEngine
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly IIkeRandom _random;
    private readonly ILogger _log;
    private readonly RateLimitedLog _rateLimitedLog;
    private readonly Dictionary<string, IkeTunnelConfig> _tunnels = new(StringComparer.Ordinal);
    // Site tunnels whose peer refused the DNS configuration request (INTERNAL_ADDRESS_FAILURE): they ask no more until re-added.
    private readonly HashSet<string> _configurationRefused = new(StringComparer.Ordinal);
    private readonly Queue<OutgoingDatagram> _outgoing = new();
    private readonly Queue<IkeEvent> _events = new();

    public IkeEngine(TimeProvider time, IIkeRandom? random = null, ILogger? logger = null, IkeEngineOptions? options = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? SystemIkeRandom.Instance;
        _log = logger ?? NullLogger.Instance;
        _rateLimitedLog = new RateLimitedLog(_log, UnauthenticatedLogInterval);
        Options = options ?? new IkeEngineOptions();
    }

    /// <summary>How often a line that unauthenticated input triggers may be logged (per kind; see <see cref="RateLimitedLog"/>).</summary>
    public static readonly TimeSpan UnauthenticatedLogInterval = TimeSpan.FromSeconds(10);

    public IkeEngineOptions Options { get; }
    public IkeCounters Counters { get; } = new();

    /// <summary>Adds a tunnel; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void AddTunnel(IkeTunnelConfig config)
    {
        TunnelValidator.Validate(config);
        lock (_gate)
        {
            if (_tunnels.ContainsKey(config.Name))
                throw new ArgumentException($"tunnel '{config.Name}' already exists", nameof(config));
            _tunnels.Add(config.Name, config);
            CreatePools(config);
            OnTunnelAdded(config);
        }
    }

    /// <summary>Starts IKE_SA_INIT; does nothing if the tunnel is already up or connecting.</summary>
    public void Initiate(string tunnelName)
    {
        lock (_gate)
        {
            if (!_tunnels.TryGetValue(tunnelName, out IkeTunnelConfig? config))
                throw new ArgumentException($"no tunnel named '{tunnelName}'", nameof(tunnelName));
            InitiateCore(config);
        }
    }

    /// <summary>Sends DELETE for the tunnel's IKE SA (which also removes its Child SAs).</summary>
    public void Terminate(string tunnelName)
    {
        lock (_gate)
        {
            if (!_tunnels.ContainsKey(tunnelName))
                throw new ArgumentException($"no tunnel named '{tunnelName}'", nameof(tunnelName));
            _configurationRefused.Remove(tunnelName);
            TerminateCore(tunnelName);
        }
    }

    /// <summary>
    /// Removes a tunnel (for a configuration reload): its IKE SA is deleted gracefully as by
    /// <see cref="Terminate"/>, and the name becomes free for <see cref="AddTunnel"/> at once.
    /// </summary>
    public void RemoveTunnel(string tunnelName)
    {
        lock (_gate)
        {
            if (!_tunnels.ContainsKey(tunnelName))
                throw new ArgumentException($"no tunnel named '{tunnelName}'", nameof(tunnelName));
            TerminateCore(tunnelName);
            _tunnels.Remove(tunnelName);
            _pools.Remove(tunnelName); // leases of SAs still being deleted return to the old pool objects
            foreach (IkeSa sa in _sas.Values.Where(s => s.Config is null))
                sa.Candidates.RemoveAll(c => c.Name == tunnelName);
        }
    }

    /// <summary>Processes one IKE message (without the non-ESP marker). Bad input is counted and dropped.</summary>
    public void HandleDatagram(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> ikeMessage)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        lock (_gate)
        {
            Counters.Increment(IkeCounter.DatagramsReceived);
            try
            {
                HandleDatagramCore(local, remote, ikeMessage);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Defence in depth: parsing validates bounds first, but no input may crash the host.
                Counters.Increment(IkeCounter.InternalError);
                _log.LogError(ex, "internal error handling an IKE message from {Remote}; dropped", remote);
            }
        }
    }

    /// <summary>Runs due timers; returns the delay until the next one, or null when none is pending.</summary>
    public TimeSpan? Tick()
    {
        lock (_gate)
            return TickCore();
    }

    public bool TryDequeueOutgoing(out OutgoingDatagram datagram)
    {
        lock (_gate)
            return _outgoing.TryDequeue(out datagram!);
    }

    public bool TryDequeueEvent(out IkeEvent ikeEvent)
    {
        lock (_gate)
            return _events.TryDequeue(out ikeEvent!);
    }

    public IkeStatus GetStatus()
    {
        lock (_gate)
            return GetStatusCore();
    }

    private void Send(IPEndPoint local, IPEndPoint remote, byte[] payload)
    {
        Counters.Increment(IkeCounter.DatagramsSent);
        _outgoing.Enqueue(new OutgoingDatagram(local, remote, payload));
    }

    private void Raise(IkeEvent e) => _events.Enqueue(e);
}

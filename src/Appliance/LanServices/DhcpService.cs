using System.Net;
using System.Net.Sockets;
using Appliance.Common;
using Appliance.Configuration;
using Appliance.Lan.Dhcp;
using Appliance.Lan.Io;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>
/// Runs the DHCPv4 server on the LAN NIC: UDP 67 bound to the device, one receive loop, each reply sent as the
/// server decided (broadcast, or to the client's address), the lease table saved after every change.
/// </summary>
public sealed class DhcpService : BackgroundService
{
    private const int ServerPort = 67, ClientPort = 68;
    private readonly ApplianceOptions _options;
    private readonly Network.NetworkInterfaceGate? _interfaces;
    private readonly ILogger<DhcpService> _logger;
    private readonly string _leaseFile;
    private readonly object _gate = new();

    public DhcpService(IOptions<ApplianceOptions> options, StateLayout layout, TimeProvider time, ILogger<DhcpService> logger,
        Network.NetworkInterfaceGate? interfaces = null)
    {
        _options = options.Value;
        _interfaces = interfaces;
        _logger = logger;
        var errors = new List<string>();
        // Validated at start (ApplianceOptionsValidator): this cannot fail unless the options changed since.
        var settings = DhcpSettingsFactory.Build(_options, errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        Settings = settings;
        Server = new DhcpServer(settings, new LeaseTable(settings, time));
        _leaseFile = Path.Combine(layout.RuntimeDirectory, LeaseFile.FileName);
    }

    public DhcpServerSettings Settings { get; }
    public DhcpServer Server { get; }

    /// <summary>The lease records, copied under the lock for the status.</summary>
    public List<DhcpLease> Leases()
    {
        lock (_gate) return [.. Server.Leases.All];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoadLeases();
        if (_interfaces is not null) await _interfaces.WaitAsync(stoppingToken);
        string device = _options.Lan.Interface!;
        using var socket = LinkSockets.BroadcastUdp(device, ServerPort);
        _logger.LogInformation("DHCP: serving {Start}-{End} on {Device} as {Server}, lease {Lease}",
            Settings.PoolStart, Settings.PoolEnd, device, Settings.ServerAddress, Settings.LeaseTime);
        var buffer = new byte[DhcpParser.MaximumLength + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stoppingToken);
            }
            catch (OperationCanceledException) { break; }
            catch (SocketException e)
            {
                _logger.LogWarning("DHCP: receive failed: {Message}", e.Message);
                continue;
            }
            Answer(socket, buffer.AsSpan(0, received.ReceivedBytes));
        }
    }

    private void Answer(Socket socket, ReadOnlySpan<byte> datagram)
    {
        DhcpReply? reply;
        lock (_gate)
        {
            reply = Server.Receive(datagram);
            if (Server.Leases.Dirty) SaveLeases();
        }
        if (reply is null) return;
        var to = new IPEndPoint(reply.Destination == DhcpDestination.Broadcast ? IPAddress.Broadcast : reply.Request.ClientAddress, ClientPort);
        try
        {
            socket.SendTo(reply.Write(), to);
            if (reply.MessageType != DhcpMessageType.Offer)
                _logger.LogInformation("DHCP: {Type} {Address} to {Mac}{Host}", reply.MessageType.ToString().ToUpperInvariant(),
                    reply.YourAddress.Equals(IPAddress.Any) ? reply.Request.ClientAddress : reply.YourAddress,
                    reply.Request.ClientHardware, reply.Request.HostName is { } h ? $" ({h})" : "");
        }
        catch (SocketException e)
        {
            _logger.LogWarning("DHCP: sending {Type} to {To} failed: {Message}", reply.MessageType, to, e.Message);
        }
    }

    private void LoadLeases()
    {
        try
        {
            var saved = LeaseFile.Load(_leaseFile);
            int dropped;
            lock (_gate) dropped = Server.Leases.Load(saved);
            if (saved.Count > 0)
                _logger.LogInformation("DHCP: {Count} lease records restored{Dropped}", saved.Count - dropped,
                    dropped > 0 ? $", {dropped} no longer fitting the configuration dropped" : "");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // A damaged table costs the clients their addresses at the next renewal, not the service its start.
            _logger.LogError("DHCP: lease table unreadable, starting empty: {Message}", e.Message);
        }
    }

    private void SaveLeases()
    {
        try
        {
            LeaseFile.Save(_leaseFile, Server.Leases.Persistent);
            Server.Leases.Dirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("DHCP: saving the lease table failed: {Message}", e.Message);
        }
    }
}

using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Native;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

public sealed partial class DataPlane
{
    /// <summary>How often the WAN's IPv4 address is compared with the one the ingress filter matches.</summary>
    internal static readonly TimeSpan WanAddressCheckInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _wanFramesGate = new();
    private WanFrameReceiver? _framesIn;
    private TcIngressFilter? _ingressFilter;
    private Thread? _wanFramesThread;
    private long _lastWanAddressCheck;
    private uint? _framesAddress;
    private volatile bool _framesStopping;

    /// <summary>
    /// Opens the WAN AF_PACKET receive socket for our unfragmented raw ESP and attaches the tc ingress filter that
    /// keeps the kernel's IP receive path off the same packets (in that order: nothing is dropped before the socket
    /// takes it). Any failure (no clsact, cls_bpf or bpf(2), EPERM, the verifier) is logged once and leaves every
    /// packet to the raw socket. A filter a crashed run left behind is removed even when the option is off.
    /// </summary>
    private void StartWanFrameReceive()
    {
        _lastWanAddressCheck = _time.GetTimestamp();
        lock (_wanFramesGate) AttachWanFrameReceive();
    }

    /// <summary>
    /// The WAN may get its address after we start (DHCP at boot) or a new one later: the filter matches one
    /// destination address, so follow it — otherwise raw ESP would stay on the slower raw socket for the run.
    /// Called from the AH receive loop (idle on almost every box): a worker thread, because it was created in
    /// the data plane's network namespace, which a timer's pool thread need not be (the tests' namespaces).
    /// </summary>
    private void MaybeFollowWanAddress()
    {
        if (!_options.WanFrameReceive || _frames == null) return;
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastWanAddressCheck, now) < WanAddressCheckInterval) return;
        _lastWanAddressCheck = now;
        FollowWanAddress();
    }

    /// <summary>Re-attaches the frame receiver when the WAN's IPv4 address is no longer the one it filters on.</summary>
    internal void FollowWanAddress()
    {
        lock (_wanFramesGate)
        {
            if (_stopping || _wan == null) return;
            uint? address;
            try { address = InterfaceRequest.Ipv4Address(_wan.Fd, _options.WanInterface); }
            catch (IOException) { return; } // The interface is going away; the next check sees what is left.
            if (address == _framesAddress) return;
            _logger.LogInformation("{Wan}: IPv4 address changed, re-attaching the ESP frame receiver", _options.WanInterface);
            DetachWanFrameReceive();
            if (address is not null) AttachWanFrameReceive();
            else _framesAddress = null;
        }
    }

    private void AttachWanFrameReceive()
    {
        try
        {
            _ingressFilter = new TcIngressFilter(Libc.InterfaceIndex(_options.WanInterface));
            if (_ingressFilter.Remove()) _logger.LogInformation("removed a stale ESP ingress filter from {Wan}", _options.WanInterface);
        }
        catch (IOException e)
        {
            _logger.LogDebug("no ESP ingress filter to reconcile: {Error}", e.Message);
        }
        // The tc program reads an Ethernet header: the frame sender checked the WAN is Ethernet.
        if (!_options.WanFrameReceive || _frames == null) { StopIngressFilter(); return; }
        int program = -1;
        try
        {
            uint? current = InterfaceRequest.Ipv4Address(_wan!.Fd, _options.WanInterface);
            _framesAddress = current;
            uint address = current ?? throw new IOException($"{_options.WanInterface} has no IPv4 address yet (checked again every {WanAddressCheckInterval.TotalSeconds:0} s)");
            _framesIn = new WanFrameReceiver(_options.WanInterface, address, PollInterval);
            program = Bpf.LoadSchedCls(EspIngressPrograms.TcClassifier(address), "appliance_esp");
            (_ingressFilter ?? throw new IOException("rtnetlink unavailable")).Attach(program, "appliance_esp");
            _logger.LogInformation("raw ESP to {Address} is received on {Wan} before the kernel's IP path (tc ingress filter prio {Priority})",
                new System.Net.IPAddress(BinaryPrimitives.ReverseEndianness(address)), _options.WanInterface, TcIngressFilter.Priority);
        }
        catch (IOException e)
        {
            _logger.LogWarning("ESP receive before the kernel's IP path unavailable, raw ESP arrives through the raw IP socket: {Error}", e.Message);
            _framesIn?.Dispose();
            _framesIn = null;
            StopIngressFilter();
        }
        finally
        {
            // The attached filter holds its own reference to the program.
            if (program >= 0) Libc.close(program);
        }
        if (_framesIn == null) return;
        var receiver = _framesIn;
        _framesStopping = false;
        _wanFramesThread = new Thread(() => WanLoop(receiver.Fd, (int)SaProtocol.Esp, fromFrames: true)) { IsBackground = true, Name = "dp-wan-frames" };
        _wanFramesThread.Start();
    }

    private void StopWanFrameReceive()
    {
        lock (_wanFramesGate) DetachWanFrameReceive();
    }

    /// <summary>Takes the tc filter off first (the kernel's path gets the packets again), then stops the receive thread.</summary>
    private void DetachWanFrameReceive()
    {
        StopIngressFilter();
        _framesStopping = true;
        _wanFramesThread?.Join();
        _wanFramesThread = null;
        _framesIn?.Dispose();
        _framesIn = null;
    }

    private void StopIngressFilter()
    {
        try
        {
            _ingressFilter?.Dispose();
        }
        catch (IOException e)
        {
            _logger.LogWarning("removing the ESP ingress filter failed: {Error}", e.Message);
        }
        _ingressFilter = null;
    }

    /// <summary>
    /// What ip_rcv checks before the raw socket would have seen the packet (RFC 791 §3.1, RFC 1122 §3.2.1): version,
    /// header length, total length within the frame, header checksum; and what the filters selected (ESP, not a
    /// fragment, to our address), so a filter mistake can never hand anything else to the ESP path.
    /// </summary>
    private bool CheckFrameHeader(ReadOnlySpan<byte> packet, out int headerLength, out int totalLength)
    {
        if (!IPv4Header.TryParse(packet, out headerLength, out totalLength)) return false;
        var header = packet[..headerLength];
        return InternetChecksum.VerifyIPv4Header(header)
            && header[IPv4Header.ProtocolOffset] == IpProtocol.Esp
            && !IPv4Header.IsFragment(header)
            && BinaryPrimitives.ReadUInt32BigEndian(header[IPv4Header.DestinationOffset..]) == _framesIn!.Address;
    }
}

using System.Buffers.Binary;
using Appliance.Ipsec.Packets;
using Appliance.Linux.Io;
using Appliance.Linux.Native;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

public sealed partial class DataPlane
{
    private WanFrameReceiver? _framesIn;
    private TcIngressFilter? _ingressFilter;
    private Thread? _wanFramesThread;

    /// <summary>
    /// Opens the WAN AF_PACKET receive socket for our unfragmented raw ESP and attaches the tc ingress filter that
    /// keeps the kernel's IP receive path off the same packets (in that order: nothing is dropped before the socket
    /// takes it). Any failure (no clsact, cls_bpf or bpf(2), EPERM, the verifier) is logged once and leaves every
    /// packet to the raw socket. A filter a crashed run left behind is removed even when the option is off.
    /// </summary>
    private void StartWanFrameReceive()
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
            uint address = InterfaceRequest.Ipv4Address(_wan!.Fd, _options.WanInterface)
                ?? throw new IOException($"{_options.WanInterface} has no IPv4 address");
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
        _wanFramesThread = new Thread(() => WanLoop(receiver.Fd, (int)SaProtocol.Esp, fromFrames: true)) { IsBackground = true, Name = "dp-wan-frames" };
        _wanFramesThread.Start();
    }

    /// <summary>Takes the tc filter off first (the kernel's path gets the packets again), then stops the receive thread.</summary>
    private void StopWanFrameReceive()
    {
        StopIngressFilter();
        _wanFramesThread?.Join();
        _framesIn?.Dispose();
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

using Appliance.Linux.Policy;

namespace Appliance.Linux;

/// <summary>
/// Where the data plane runs and what it protects.
/// </summary>
/// <param name="WanInterface">NIC facing the internet: ESP (IP protocol 50) is sent and received here.</param>
/// <param name="LanInterface">NIC facing the branch LAN: LAN packets are captured and decrypted ones delivered here.</param>
/// <param name="Tunnels">Configured tunnels in SPD order (first match wins).</param>
public sealed record DataPlaneOptions(string WanInterface, string LanInterface, IReadOnlyList<TunnelPolicy> Tunnels)
{
    /// <summary>
    /// MTU of the WAN path; the tunnel MTU is this minus the outer IP, UDP and ESP overhead. Null: the WAN NIC's own MTU,
    /// read at start and again for every SA installed (a PPPoE link has 1492, not 1500). Set it when the path beyond the
    /// NIC is narrower than the NIC (the box behind a router that does PPPoE).
    /// </summary>
    public int? WanMtu { get; init; }

    /// <summary>Routing table that holds the kill switch's blackhole and throw routes.</summary>
    public uint RouteTable { get; init; } = 161;

    /// <summary>Priority of the policy rule that consults <see cref="RouteTable"/> (before main at 32766).</summary>
    public uint RulePriority { get; init; } = 161;

    /// <summary>Packets per recvmmsg/sendmmsg batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Slots of the batches whose every slot holds a whole 64 KiB GSO super-packet: the LAN receive batch and the
    /// coalesced TCP frames to the LAN. Under TCP load every slot fills, so at BatchSize (64) each such batch became
    /// 4 MiB of resident memory (issue 19: the box's peak RSS against charon's); 16 slots would be 1 MiB and still up
    /// to 1 MiB of data per system call, but the one bench with 16 showed box-to-box throughput 39% lower on a loaded
    /// machine and no A/B has ruled the change out: the default stays at the old 64 until one does.
    /// </summary>
    public int SuperPacketBatchSize { get; init; } = 64;

    /// <summary>
    /// Threads that seal one batch of ESP together (sequence numbers are assigned in packet order
    /// first). 1 seals on the LAN thread itself; the default leaves half the cores to the kernel.
    /// </summary>
    public int SealWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Send raw ESP as whole Ethernet frames on an AF_PACKET socket on the WAN NIC (outer IPv4 header and the
    /// next hop's MAC, from the kernel's route and neighbour tables, written by the data plane) instead of
    /// through the raw IP socket's per-packet routing; the raw socket remains the fallback. AH stays on it.
    /// </summary>
    public bool WanFrames { get; init; } = true;

    /// <summary>
    /// Receive the box's own unfragmented raw ESP on an AF_PACKET socket on the WAN NIC, with a tc ingress filter
    /// (eBPF, cls_bpf on clsact) dropping the same packets after the packet taps so the kernel's IP receive path
    /// never runs for them. Off, or when the kernel lacks clsact/cls_bpf/bpf(2): everything arrives through the raw
    /// IP socket, which stays open either way (IP fragments, reassembled by the kernel, always take it). Needs
    /// <see cref="WanFrames"/> too: the frame sender is where the WAN is found to be Ethernet, which the tc filter reads.
    /// </summary>
    public bool WanFrameReceive { get; init; } = true;

    /// <summary>Clamp the MSS of TCP SYNs crossing the tunnel to the tunnel MTU.</summary>
    public bool ClampMss { get; init; } = true;

    /// <summary>
    /// Deliver decrypted TCP to LAN hosts whose MAC is known as GSO super-packets on an AF_PACKET
    /// socket (user-space GRO) instead of one packet at a time through the kernel.
    /// </summary>
    public bool CoalesceDelivery { get; init; } = true;

    /// <summary>
    /// Open a TUN device (<see cref="TransportInterface"/>) at start so transport-mode SAs can carry the
    /// box's own traffic to a peer box (host-to-host). Off: transport-mode SAs are refused.
    /// </summary>
    public bool EnableTransportMode { get; init; }

    /// <summary>The UDP port a local service's transport SAs carry (L2TP, RFC 3193 §2: 1701).</summary>
    public ushort LocalServicePort { get; init; } = 1701;

    /// <summary>The largest IPv4 packet a local service's client links carry (the PPP MRU the L2TP server asks for): TCP MSS is clamped to it.</summary>
    public int LocalServiceMtu { get; init; } = 1400;

    /// <summary>
    /// The box's own address on the LAN. When a site tunnel's local selectors cover it, the box's own traffic to that
    /// tunnel's remote selectors (the DNS forwarder asking HQ's resolver, a ping from the box) enters the tunnel: a
    /// policy rule for locally generated packets routes those prefixes into the TUN device (<see cref="TransportInterface"/>)
    /// with this address as source, and the data plane seals them like LAN packets. Null: the box's own packets to HQ
    /// stay blackholed by the kill switch.
    /// </summary>
    public System.Net.IPAddress? LocalSource { get; init; }

    /// <summary>Name of the data plane's TUN device (transport mode, and the box's own traffic into site tunnels).</summary>
    public string TransportInterface { get; init; } = "ipsec-tr0";

    /// <summary>NAT keepalive period for UDP-encapsulated SAs (RFC 3948 §4; 20 s as strongSwan and iked).</summary>
    public TimeSpan NatKeepaliveInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Packets held per tunnel while it has no SA (sent once the SA is installed); 0 drops them at once.</summary>
    public int HoldPackets { get; init; } = 8;

    /// <summary>How long a held packet may wait for its SA before it is dropped (counted as NoSa).</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A trap tunnel raises <see cref="DataPlane.TrapTriggered"/> at most once per this period.</summary>
    public TimeSpan TrapHoldDown { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Progress counters the worker loops beat once per iteration (the host's systemd watchdog reads them).</summary>
    public Common.WorkerHeartbeats? Heartbeats { get; init; }

    /// <summary>At most this many addresses of excluded domains leave outside the tunnels at once; more stay in the tunnel.</summary>
    public int MaxExcludedAddresses { get; init; } = 4096;
}

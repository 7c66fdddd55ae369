namespace Appliance.Configuration;

/// <summary>The "Appliance" section of the configuration: everything the service reads at start.</summary>
public sealed class ApplianceOptions
{
    public const string SectionName = "Appliance";

    /// <summary>Board profile name: rpi4, rpi5, cm4 or simulated (a folder under the board directory).</summary>
    public string Board { get; set; } = "simulated";

    /// <summary>Where board profiles live; defaults to /usr/share/appliance/board, or ./board next to the binary.</summary>
    public string? BoardDirectory { get; set; }

    public InterfaceOptions Wan { get; set; } = new();
    public InterfaceOptions Lan { get; set; } = new();
    public string StateDirectory { get; set; } = Common.StateLayout.DefaultStateDirectory;

    /// <summary>Folder for Wireshark key files (ikev2_decryption_table, esp_sa). Null: never written.</summary>
    public string? KeyLog { get; set; }

    /// <summary>Unix socket for `appliance status`; default /run/appliance/control.sock.</summary>
    public string? ControlSocket { get; set; }

    public ConsoleOptions Console { get; set; } = new();
    public IkeOptions Ike { get; set; } = new();
    public DhcpOptions Dhcp { get; set; } = new();
    public DnsOptions Dns { get; set; } = new();
    public Dictionary<string, TunnelOptions> Tunnels { get; set; } = new(StringComparer.Ordinal);
    public L2tpOptions L2tp { get; set; } = new();

    /// <summary>
    /// Remote-access users (EAP-MSCHAPv2), by user name. Secrets: like a tunnel's Psk they live in the configuration
    /// layers provisioning writes (factory.json, 0600, atomic writes) and are never logged or echoed.
    /// </summary>
    public Dictionary<string, UserOptions> Users { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One remote-access user: exactly one of <see cref="Password"/> and <see cref="NtHash"/>.</summary>
public sealed class UserOptions
{
    /// <summary>The password; hashed (NT hash, RFC 2759 §8.3) at start, never kept or logged as such.</summary>
    public string? Password { get; set; }

    /// <summary>The NT password hash as 32 hex digits (MD4 of the UTF-16LE password), instead of the password.</summary>
    public string? NtHash { get; set; }
}

public sealed class InterfaceOptions
{
    /// <summary>Network interface name, e.g. eth0.</summary>
    public string? Interface { get; set; }

    /// <summary>
    /// WAN: the IPv4 address IKE binds; default: the interface's first IPv4 address.
    /// LAN: the box's address on the office LAN in CIDR form (e.g. 192.168.1.1/24), which the service sets on the
    /// interface itself (it owns the LAN address; other IPv4 addresses there are removed) with IPv4 forwarding on.
    /// It is the DHCP server's identity and the clients' router and DNS server. Null on the LAN: the service leaves the
    /// interface's addresses alone.
    /// </summary>
    public string? Address { get; set; }

    /// <summary>LAN only: the box's IPv6 address on the office LAN in CIDR form (e.g. fd00:1::1/64); optional.</summary>
    public string? Address6 { get; set; }

    /// <summary>
    /// LAN only: LAN traffic that leaves by the WAN outside every tunnel (the internet in a split tunnel, Bypass and Exclude)
    /// is source-NATed to the WAN address (nftables masquerade), so private LAN addresses can reach the internet. Default on.
    /// </summary>
    public bool LocalBreakout { get; set; } = true;

    /// <summary>
    /// WAN only: the path MTU tunnel MTUs are computed from; default: the interface's own MTU (1492 on PPPoE). Set it
    /// when a narrower link lies beyond the interface, e.g. the box behind a router that does PPPoE.
    /// </summary>
    public int? Mtu { get; set; }
}

public sealed class ConsoleOptions
{
    /// <summary>Console UART for provisioning; default from the board profile.</summary>
    public string? Device { get; set; }
}

public sealed class IkeOptions
{
    /// <summary>UDP port for IKE (500); tests move it to avoid clashes.</summary>
    public int Port { get; set; } = 500;

    /// <summary>UDP port for NAT traversal (4500).</summary>
    public int NatTraversalPort { get; set; } = 4500;

    /// <summary>Rekey Child SAs this long after they were made (strongSwan's rekey_time for children: 1 h).</summary>
    public TimeSpan? RekeyTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rekey IKE SAs this long after they were made (strongSwan's IKE rekey_time: 4 h).</summary>
    public TimeSpan? IkeRekeyTime { get; set; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Dead peer detection interval. On by default (30 s): an unattended branch box must notice a
    /// rebooted or unreachable HQ by itself. "00:00:00" turns it off.
    /// </summary>
    public TimeSpan? Dpd { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait before re-initiating after the peer became unreachable.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A tunnel with several gateways (RemoteAddress "gw1, gw2") probes each this often (one IKE_SA_INIT) to measure its round trip.</summary>
    public TimeSpan GatewayProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A gateway probe unanswered after this long is lost; two lost in a row make the gateway unreachable.</summary>
    public TimeSpan GatewayProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Another gateway must be clearly faster (at most 80 % of the round trip and 10 ms less) for this long before the tunnel moves to it.</summary>
    public TimeSpan GatewayFailBackAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gateway names (RemoteAddress "vpn.example.com") are looked up again this often, and after every failure.</summary>
    public TimeSpan GatewayResolveInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait before trying again after an authentication or proposal failure.</summary>
    public TimeSpan AuthFailureRetry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retransmission timeout (RFC 7296 §2.4; strongSwan: 4 s, then × 1.8 each try, 5 tries).</summary>
    public TimeSpan RetransmitTimeout { get; set; } = TimeSpan.FromSeconds(4);
    public int RetransmitTries { get; set; } = 5;

    /// <summary>Half-open responder IKE SAs at which cookies are demanded (RFC 7296 §2.6; strongSwan's cookie_threshold, 30).</summary>
    public int CookieThreshold { get; set; } = 30;

    /// <summary>Half-open responder IKE SAs at most, cookies or not (strongSwan's init_limit_half_open); 256.</summary>
    public int HalfOpenLimit { get; set; } = 256;

    /// <summary>Half-open responder IKE SAs one source address may hold (strongSwan's block_threshold, 5).</summary>
    public int HalfOpenPerSource { get; set; } = 5;

    /// <summary>IKE fragmentation (RFC 7383), used when HQ announces it too; strongSwan's fragmentation = yes.</summary>
    public bool Fragmentation { get; set; } = true;

    /// <summary>Largest IP datagram of an IKE message or fragment (strongSwan's charon.fragment_size), 576-65535.</summary>
    public int FragmentSize { get; set; } = 1280;
}

public sealed class TunnelOptions
{
    public string? RemoteAddress { get; set; }
    public string? LocalId { get; set; }
    public string? RemoteId { get; set; }
    public string Auth { get; set; } = "psk";
    public string? Psk { get; set; }
    public string? PskFile { get; set; }

    /// <summary>Auth cert: our certificate (PEM); default the provisioned identity/device.crt in the state directory.</summary>
    public string? Certificate { get; set; }

    /// <summary>Auth cert: the private key of <see cref="Certificate"/> (PEM, ECDSA or RSA, unencrypted); default identity/device.key.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Auth cert: CA certificates (PEM files) the peer's certificate must chain to; default identity/ca.crt.</summary>
    public List<string> CaCertificates { get; set; } = [];
    public List<string> LocalTs { get; set; } = [];
    public List<string> RemoteTs { get; set; } = [];
    public List<string> Ike { get; set; } = [];
    public List<string> Esp { get; set; } = [];
    public List<string> Ah { get; set; } = [];
    public List<string> Bypass { get; set; } = [];

    /// <summary>
    /// What leaves outside this tunnel although its RemoteTs cover it: subnets ("203.0.113.0/24", as Bypass) and domains
    /// ("zoom.us": the domain and every name below it; "*.example-video.com": only the names below). A domain's addresses
    /// are learnt from the answers the box's DNS forwarder gives the LAN, and leave locally (source-NATed to the WAN address)
    /// for the answer's TTL plus <see cref="DnsOptions.ExclusionGrace"/>.
    /// </summary>
    public List<string> Exclude { get; set; } = [];
    public string Start { get; set; } = "always";
    public string Mode { get; set; } = "tunnel";
    public string Encapsulation { get; set; } = "auto";

    /// <summary>
    /// How the peer authenticates, when not as we do (<see cref="Auth"/>): "eap-mschapv2" makes this a remote-access tunnel
    /// (RemoteAddress %any, Auth cert, Pool required) whose clients sign in as one of Appliance:Users.
    /// </summary>
    public string? RemoteAuth { get; set; }

    /// <summary>
    /// Remote access: "standard" (the default) or "weak-windows-stock", which adds SHA-1 and MODP-1024 for Windows' stock
    /// IKEv2 client (Appliance.Ike.ClientProfiles). With Ike/Esp left empty the tunnel offers the standard proposals.
    /// </summary>
    public string? ClientProfile { get; set; }

    /// <summary>Remote access: the IPv4 pool clients' virtual IPs come from (CIDR, e.g. 10.99.0.0/24).</summary>
    public string? Pool { get; set; }

    /// <summary>Remote access: an optional IPv6 pool (CIDR, e.g. fd00:99::/64).</summary>
    public string? Pool6 { get; set; }

    /// <summary>Remote access: DNS servers handed to clients (INTERNAL_IP4_DNS / INTERNAL_IP6_DNS).</summary>
    public List<string> Dns { get; set; } = [];

    /// <summary>Remote access: split-DNS domains handed to clients that ask (INTERNAL_DNS_DOMAIN, RFC 8598).</summary>
    public List<string> DnsDomains { get; set; } = [];

    /// <summary>Remote access: failed logins in a row before a user is locked out (default 5).</summary>
    public int? MaxLoginFailures { get; set; }

    /// <summary>Remote access: how long a user stays locked out (default 00:05:00).</summary>
    public TimeSpan? LockOut { get; set; }

    /// <summary>
    /// What to do when the peer stops answering (DPD or retransmission timeout): restart (re-initiate;
    /// default for Start: always), clear (forget the tunnel until traffic or a command), trap (wait for traffic).
    /// </summary>
    public string? DpdAction { get; set; }

    /// <summary>Rekey this tunnel's Child SAs after this long; default Appliance:Ike:RekeyTime; "00:00:00" leaves rekeying to the peer.</summary>
    public TimeSpan? RekeyTime { get; set; }

    /// <summary>Hard limit: a Child SA no rekey replaced is deleted after this long; default RekeyTime + 10 %.</summary>
    public TimeSpan? LifeTime { get; set; }

    /// <summary>Rekey this tunnel's IKE SA after this long; default Appliance:Ike:IkeRekeyTime; "00:00:00": never.</summary>
    public TimeSpan? IkeRekeyTime { get; set; }

    /// <summary>Hard limit for an IKE SA no rekey replaced (it is re-established); default IkeRekeyTime + 10 %.</summary>
    public TimeSpan? IkeLifeTime { get; set; }

    /// <summary>Rekey a Child SA once one direction carried this many bytes (strongSwan's rekey_bytes); unset or 0: no limit.</summary>
    public long? RekeyBytes { get; set; }

    /// <summary>Stop using a Child SA at this many bytes in one direction; default RekeyBytes + 10 %.</summary>
    public long? LifeBytes { get; set; }

    /// <summary>Rekey a Child SA once one direction carried this many packets (strongSwan's rekey_packets); unset or 0: no limit.</summary>
    public long? RekeyPackets { get; set; }

    /// <summary>Stop using a Child SA at this many packets in one direction; default RekeyPackets + 10 %.</summary>
    public long? LifePackets { get; set; }

    /// <summary>
    /// Close the tunnel after this long without a packet in either direction, to save HQ's resources; the next packet for
    /// it opens it again (as with Start: trap). Unset or "00:00:00": never.
    /// </summary>
    public TimeSpan? Inactivity { get; set; }
}

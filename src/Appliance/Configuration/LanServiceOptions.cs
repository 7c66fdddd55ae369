namespace Appliance.Configuration;

/// <summary>Appliance:Dhcp: the DHCPv4 server on the LAN (RFC 2131), serving from Appliance:Lan:Address.</summary>
public sealed class DhcpOptions
{
    public bool Enabled { get; set; }

    /// <summary>First and last address handed out; default the upper half of the LAN's subnet.</summary>
    public string? PoolStart { get; set; }
    public string? PoolEnd { get; set; }

    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Fixed addresses by hardware address, each "aa:bb:cc:dd:ee:ff=192.168.1.20".</summary>
    public List<string> StaticLeases { get; set; } = [];

    /// <summary>Option 15, e.g. "branch1.example.com".</summary>
    public string? DomainName { get; set; }

    /// <summary>Option 119 (RFC 3397): suffixes clients try for short names, e.g. "corp.example.com".</summary>
    public List<string> SearchDomains { get; set; } = [];

    /// <summary>Option 6; default the box's LAN address when Appliance:Dns is enabled, else none.</summary>
    public List<string> DnsServers { get; set; } = [];
}

/// <summary>Appliance:Dns: the DNS forwarder on the LAN address (UDP and TCP 53) with a cache.</summary>
public sealed class DnsOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Where names go unless <see cref="Domains"/> says otherwise, tried in order: "wan" (the WAN's DHCP lease's
    /// resolvers), "hq" (the DNS servers HQ hands out in IKE_AUTH, through the tunnel), an address ("9.9.9.9",
    /// "[2620:fe::fe]:53") or DNS over TLS ("tls://9.9.9.9#dns.quad9.net", RFC 7858, the name checked in the certificate).
    /// </summary>
    /// Empty: ["wan"]. (No default items here: configuration binding appends to a list's initial items, so a
    /// configured ["9.9.9.9"] would have become ["wan", "9.9.9.9"].)
    public List<string> Upstreams { get; set; } = [];

    /// <summary>Split DNS: a domain (and all names below it) to its upstreams, comma-separated, e.g. "corp.example.com": "hq".</summary>
    public Dictionary<string, string> Domains { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Answers kept (each for its TTL); 0 turns the cache off.</summary>
    public int CacheSize { get; set; } = 1000;

    /// <summary>Where "wan" finds the WAN's resolvers: a resolv.conf-format file (systemd-resolved's uplink view).</summary>
    public string WanResolvConf { get; set; } = "/run/systemd/resolve/resolv.conf";

    /// <summary>CA certificates (PEM files) a DNS-over-TLS upstream's certificate must chain to; default the system's store.</summary>
    public List<string> TlsCaCertificates { get; set; } = [];

    /// <summary>An excluded domain's address leaves outside the tunnel for its answer's TTL plus this (connections outlive TTLs).</summary>
    public TimeSpan ExclusionGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Port to serve on (53); tests may move it.</summary>
    public int Port { get; set; } = 53;
}

namespace Appliance.Configuration;

/// <summary>
/// Appliance:L2tp: L2TP/IPsec for the VPN clients built into Windows and macOS (issue 16). Off unless enabled: it brings IKEv1
/// (RFC 9395 deprecates it) onto the IKE ports. The clients sign in as one of the remote-access users (Appliance:Users,
/// users.json), get an address from <see cref="Pool"/> and reach the office LAN.
/// </summary>
public sealed class L2tpOptions
{
    public bool Enabled { get; set; }

    /// <summary>The IPsec pre-shared key the clients enter ("shared secret"); a secret like a tunnel's Psk.</summary>
    public string? Psk { get; set; }

    /// <summary>A file holding the pre-shared key, instead of <see cref="Psk"/>.</summary>
    public string? PskFile { get; set; }

    /// <summary>IPv4 CIDR the clients' addresses come from; its first host is the box's end of every PPP link.</summary>
    public string? Pool { get; set; }

    /// <summary>DNS servers handed to clients (IPCP, RFC 1877); default: the box's LAN address when its DNS forwarder runs.</summary>
    public List<string> Dns { get; set; } = [];

    /// <summary>Failed logins in a row before a user is locked out (default 5).</summary>
    public int? MaxLoginFailures { get; set; }

    /// <summary>How long a user stays locked out (default 00:05:00).</summary>
    public TimeSpan? LockOut { get; set; }
}

using System.Net;

namespace Appliance.L2tp.Ppp;

/// <summary>PPP settings (RFC 1661 §4.6 timers and counters; what LCP and IPCP offer).</summary>
public sealed record PppOptions
{
    /// <summary>Our MRU (RFC 1661 §6.1): L2TP in ESP in UDP leaves about 1400 octets of a 1500-octet path.</summary>
    public int Mru { get; init; } = 1400;

    public TimeSpan RestartTimer { get; init; } = TimeSpan.FromSeconds(3);
    public int MaxTerminate { get; init; } = 2;
    public int MaxConfigure { get; init; } = 10;
    public int MaxFailure { get; init; } = 5;

    /// <summary>The box's own address on the PPP link (IPCP IP-Address of our Configure-Request, RFC 1332 §3.3).</summary>
    public IPAddress ServerAddress { get; init; } = IPAddress.Parse("10.255.255.1");

    /// <summary>RFC 1877: handed out as Primary/Secondary-DNS-Address; a request for a missing one is rejected.</summary>
    public IPAddress? PrimaryDns { get; init; }
    public IPAddress? SecondaryDns { get; init; }

    /// <summary>The Name of our MS-CHAPv2 Challenge (RFC 1994 §4.1).</summary>
    public string AuthenticatorName { get; init; } = "appliance";

    /// <summary>Consecutive failed logins of one user before a lock-out, and its length (as for IKEv2 EAP).</summary>
    public int MaxAuthFailures { get; init; } = 5;
    public TimeSpan AuthLockOut { get; init; } = TimeSpan.FromMinutes(5);
}

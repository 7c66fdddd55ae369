using Appliance.Common;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Appliance.Lan.Dns;

namespace Appliance.Configuration;

/// <summary>
/// The settings of a remote-access tunnel (RemoteAuth eap-mschapv2) and of Appliance:Users, checked at start with the key
/// named in every message. Values of secrets are never echoed.
/// </summary>
public static partial class RemoteAccessRules
{
    public const string EapMsChapV2 = "eap-mschapv2";
    public static readonly string[] RemoteAuthMethods = [EapMsChapV2];

    /// <summary>User names as clients type them: letters, digits and . _ @ - (a "DOMAIN\" prefix is not part of it).</summary>
    public static bool IsUserName(string name) => TextShape.IsUserName(name);

    public static bool IsRemoteAccess(TunnelOptions t) => t.RemoteAuth == EapMsChapV2;

    public static void ValidateTunnel(List<string> errors, string key, TunnelOptions t, IReadOnlyDictionary<string, UserOptions> users)
    {
        if (t.ClientProfile is not null && Array.IndexOf(Ike.ClientProfiles.Names, t.ClientProfile) < 0)
            errors.Add($"{key}:ClientProfile: '{t.ClientProfile}' is not one of {string.Join(", ", Ike.ClientProfiles.Names)}");
        if (t.RemoteAuth is null)
        {
            if (t.ClientProfile is not null)
                errors.Add($"{key}:ClientProfile: only for a remote-access tunnel (RemoteAuth {EapMsChapV2})");
            foreach ((string name, bool set) in new[] { ("Pool", t.Pool is not null), ("Pool6", t.Pool6 is not null), ("Dns", t.Dns.Count > 0),
                         ("DnsDomains", t.DnsDomains.Count > 0) })
                if (set) errors.Add($"{key}:{name}: only for a remote-access tunnel (RemoteAuth {EapMsChapV2})");
            return;
        }
        if (!IsRemoteAccess(t))
        {
            errors.Add($"{key}:RemoteAuth: '{t.RemoteAuth}' is not one of {string.Join(", ", RemoteAuthMethods)}");
            return;
        }
        if (t.RemoteAddress != "%any")
            errors.Add($"{key}:RemoteAddress: a remote-access tunnel serves clients from anywhere: set %any");
        if (t.Auth != "cert")
            errors.Add($"{key}:Auth: a remote-access tunnel authenticates the box with its certificate (RFC 7296 §2.16): set cert");
        if (t.Start != "none")
            errors.Add($"{key}:Start: a remote-access tunnel only responds: set none");
        if (t.Mode != "tunnel")
            errors.Add($"{key}:Mode: remote access uses tunnel mode");
        if (t.Ah.Count > 0)
            errors.Add($"{key}:Ah: remote-access clients use ESP (and sit behind NATs, which AH cannot cross)");
        IPNetwork? pool4 = Pool(errors, $"{key}:Pool", t.Pool, AddressFamily.InterNetwork, 30, required: true);
        IPNetwork? pool6 = Pool(errors, $"{key}:Pool6", t.Pool6, AddressFamily.InterNetworkV6, 126, required: false);
        foreach (string local in t.LocalTs)
            if (IPNetwork.TryParse(local, out IPNetwork lan))
                foreach (IPNetwork pool in new[] { pool4, pool6 }.OfType<IPNetwork>())
                    if (Overlaps(lan, pool))
                        errors.Add($"{key}:Pool: {pool} overlaps LocalTs {lan}; clients need addresses of their own");
        for (int i = 0; i < t.Dns.Count; i++)
            if (!IPAddress.TryParse(t.Dns[i], out _))
                errors.Add($"{key}:Dns:{i}: '{t.Dns[i]}' is not an IP address");
        for (int i = 0; i < t.DnsDomains.Count; i++)
            if (DnsName.Normalize(t.DnsDomains[i]) is not { Length: > 0 } d || d.Contains('*'))
                errors.Add($"{key}:DnsDomains:{i}: '{t.DnsDomains[i]}' is not a domain name");
        if (t.MaxLoginFailures is { } max && max is < 1 or > 100)
            errors.Add($"{key}:MaxLoginFailures: must be 1-100 (got {max})");
        if (t.LockOut is { } lockOut && (lockOut < TimeSpan.FromSeconds(1) || lockOut > TimeSpan.FromDays(1)))
            errors.Add($"{key}:LockOut: must be 00:00:01 to 1.00:00:00 (got {lockOut})");
        // No user in the configuration is fine: users may live in users.json only (`appliance user add`, read at each
        // login), and a tunnel without any user just refuses every login.
    }

    public static void ValidateUsers(List<string> errors, IReadOnlyDictionary<string, UserOptions> users)
    {
        foreach ((string name, UserOptions user) in users)
        {
            string key = $"{ApplianceOptions.SectionName}:Users:{name}";
            if (!TextShape.IsUserName(name))
                errors.Add($"{key}: user names are 1-64 letters, digits and . _ @ -");
            bool password = !string.IsNullOrEmpty(user.Password), hash = !string.IsNullOrEmpty(user.NtHash);
            if (password == hash)
                errors.Add($"{key}:Password: set exactly one of Password and NtHash");
            else if (hash && !TextShape.IsNtHash(user.NtHash!))
                errors.Add($"{key}:NtHash: not 32 hex digits");
        }
    }

    /// <summary>The user store for the engine: passwords hashed here, only NT hashes kept.</summary>
    public static Ike.EapUserStore Users(IReadOnlyDictionary<string, UserOptions> users)
    {
        var store = new Ike.EapUserStore();
        foreach ((string name, UserOptions user) in users)
        {
            if (!string.IsNullOrEmpty(user.NtHash)) store.AddNtHash(name, Convert.FromHexString(user.NtHash));
            else if (!string.IsNullOrEmpty(user.Password)) store.AddPassword(name, user.Password);
        }
        return store;
    }

    /// <summary>The engine's remote-access settings for a validated tunnel.</summary>
    public static Ike.RemoteAccessConfig Create(TunnelOptions t, Ike.IEapUserStore users) =>
        new(IPNetwork.Parse(t.Pool!), t.Pool6 is null ? null : IPNetwork.Parse(t.Pool6), t.Dns.Select(IPAddress.Parse).ToList(),
            t.DnsDomains.Select(d => DnsName.Normalize(d)!).ToList(), users)
        {
            MaxFailures = t.MaxLoginFailures ?? 5,
            LockOut = t.LockOut ?? TimeSpan.FromMinutes(5),
        };

    /// <summary>A remote-access tunnel's RemoteTs: its pools (each client's Child SA is then narrowed to its own address).</summary>
    public static List<string> DefaultRemoteTs(TunnelOptions t) => new[] { t.Pool, t.Pool6 }.OfType<string>().ToList();

    private static IPNetwork? Pool(List<string> errors, string key, string? text, AddressFamily family, int longestPrefix, bool required)
    {
        if (text is null)
        {
            if (required) errors.Add($"{key}: required for remote access, e.g. 10.99.0.0/24");
            return null;
        }
        // A pool is a network: 10.99.0.1/24 (host bits set) is a typo, as in selectors.
        if (!IPNetwork.TryParse(text, out IPNetwork pool) || pool.BaseAddress.AddressFamily != family || pool.PrefixLength > longestPrefix
            || !IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/') is var slash and >= 0 ? slash : text.Length), out IPAddress? written)
            || !written.Equals(pool.BaseAddress))
        {
            string fam = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
            errors.Add($"{key}: '{text}' is not an {fam} network with a prefix length of at most {longestPrefix.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }
        return pool;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));
}

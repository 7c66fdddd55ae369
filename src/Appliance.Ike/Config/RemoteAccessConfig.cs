using System.Net;

namespace Appliance.Ike;

/// <summary>
/// A remote-access tunnel (RFC 7296 §2.16, §3.15): clients authenticate with EAP-MSCHAPv2 after the box authenticated with
/// its certificate, and each gets a virtual IP from <see cref="Pool4"/> (and <see cref="Pool6"/>) and the DNS settings.
/// Every client has its own IKE SA and Child SA, its TSi narrowed to its virtual IP.
/// </summary>
/// <param name="Pool4">IPv4 pool; the network and broadcast addresses are never handed out.</param>
/// <param name="Pool6">Optional IPv6 pool; the network address (all host bits zero) is never handed out.</param>
/// <param name="Dns">DNS servers for INTERNAL_IP4_DNS / INTERNAL_IP6_DNS.</param>
/// <param name="DnsDomains">Split-DNS domains for INTERNAL_DNS_DOMAIN (RFC 8598).</param>
public sealed record RemoteAccessConfig(
    IPNetwork Pool4,
    IPNetwork? Pool6,
    IReadOnlyList<IPAddress> Dns,
    IReadOnlyList<string> DnsDomains,
    IEapUserStore Users)
{
    /// <summary>Consecutive failed logins of one user before it is locked out.</summary>
    public int MaxFailures { get; init; } = 5;

    /// <summary>How long a user stays locked out after <see cref="MaxFailures"/> failures (attempts meanwhile fail unchecked).</summary>
    public TimeSpan LockOut { get; init; } = TimeSpan.FromMinutes(5);

    private bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append("Pool4 = ").Append(Pool4).Append(", Pool6 = ").Append(Pool6?.ToString() ?? "none")
            .Append(", Dns = ").Append(string.Join(' ', Dns)).Append(", DnsDomains = ").Append(string.Join(' ', DnsDomains))
            .Append(", Users = <").Append(Users.Count).Append(" users>");
        return true;
    }
}

/// <summary>Where EAP-MSCHAPv2 finds a user's NT password hash (RFC 2759 §8.3).</summary>
public interface IEapUserStore
{
    int Count { get; }

    /// <summary>A copy of the user's NT hash (the caller zeroes it), or null for an unknown user.</summary>
    byte[]? NtHash(string userName);
}

/// <summary>
/// Users held in memory, by name (case-insensitive, as Windows treats user names). Only NT hashes are kept: a password
/// given in the configuration is hashed at once. Never printed.
/// </summary>
public sealed class EapUserStore : IEapUserStore
{
    private readonly Dictionary<string, byte[]> _hashes = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _hashes.Count;

    public void AddPassword(string userName, string password) => AddNtHash(userName, NtPasswordHash(password));

    /// <summary>The NT hash (RFC 2759 §8.3: MD4 of the UTF-16LE password) that users.json and NtHash settings hold.</summary>
    public static byte[] NtPasswordHash(string password) => Eap.MsChapV2.NtPasswordHash(password);

    public void AddNtHash(string userName, byte[] ntHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        if (ntHash.Length != 16)
            throw new ArgumentException($"user '{userName}': an NT hash is 16 octets", nameof(ntHash));
        _hashes[userName] = ntHash.ToArray();
    }

    public byte[]? NtHash(string userName) => _hashes.TryGetValue(userName, out byte[]? h) ? h.ToArray() : null;

    public override string ToString() => $"<{Count} users>";
}

/// <summary>
/// The road-warrior side of EAP-MSCHAPv2: the tunnel authenticates its user by EAP instead of AUTH and asks for a
/// virtual IP (and DNS) in CFG_REQUEST. The box itself serves clients; this side is what the in-memory tests drive.
/// </summary>
public sealed record EapClientConfig(string UserName, byte[] NtHash, bool RequestIp4 = true, bool RequestIp6 = false)
{
    private bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append("UserName = ").Append(UserName).Append(", NtHash = <hidden>, RequestIp4 = ").Append(RequestIp4)
            .Append(", RequestIp6 = ").Append(RequestIp6);
        return true;
    }
}

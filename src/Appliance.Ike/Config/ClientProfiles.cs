namespace Appliance.Ike;

/// <summary>
/// The proposals a remote-access tunnel offers when its configuration names none, as strongSwan proposal strings: what
/// the stock IKEv2 clients send. The standard profile is strong and covers
/// macOS/iOS (AES-256-CBC/SHA2-256/MODP-2048 in their default IKEv2 configuration, ECP-256 in a configuration profile),
/// the strongSwan app on Android (AES-GCM with Curve25519/ECP, or the CBC suites), and Windows 10/11 once its
/// connection is set to strong parameters with Set-VpnConnectionIPsecConfiguration (AES-256 + SHA-256 + group 14 or
/// ECP-256 for IKE, GCM-AES-256 or AES-256/SHA-256 for ESP, no PFS).
/// The weak profile adds what Windows' stock IKEv2 client offers out of the box (RFC 2409 MODP-1024 and SHA-1, RFC
/// 8247 §2.4/§3.3 "MUST NOT"/"SHOULD NOT"): opt-in per tunnel, named so nobody enables it by accident, and every
/// client that negotiates it is logged and marked in the status. 3DES, which Windows offers too, is not among them:
/// the data plane does not implement it, and Windows offers AES-CBC alongside.
/// </summary>
public static class ClientProfiles
{
    public const string Standard = "standard";
    public const string WeakWindowsStock = "weak-windows-stock";
    public static readonly string[] Names = [Standard, WeakWindowsStock];

    public static readonly string[] StandardIke =
    [
        "aes256gcm16-prfsha256-curve25519", "aes256gcm16-prfsha256-ecp256", "aes256gcm16-prfsha384-ecp384",
        "aes256-sha256-modp2048", "aes256-sha256-ecp256", "aes256-sha384-ecp384", "aes128-sha256-modp2048",
    ];

    public static readonly string[] StandardEsp = ["aes256gcm16", "aes128gcm16", "aes256-sha256", "aes128-sha256"];

    /// <summary>Windows' stock offer, minus 3DES: AES-CBC with SHA-1 or SHA2-256, MODP-1024.</summary>
    public static readonly string[] WeakIke = ["aes256-sha1-modp1024", "aes128-sha1-modp1024", "aes256-sha256-modp1024"];

    /// <summary>Windows' stock ESP offer: AES-CBC with HMAC-SHA1-96, no PFS.</summary>
    public static readonly string[] WeakEsp = ["aes256-sha1", "aes128-sha1"];

    /// <summary>The IKE proposals a remote-access tunnel offers: the configured ones or the standard set, then the weak ones if opted in.</summary>
    public static List<string> Ike(IReadOnlyList<string> configured, string? profile) => Combine(configured, StandardIke, WeakIke, profile);

    public static List<string> Esp(IReadOnlyList<string> configured, string? profile) => Combine(configured, StandardEsp, WeakEsp, profile);

    /// <summary>A negotiated suite (strongSwan's display name, e.g. "AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024") from the weak profile.</summary>
    public static bool IsWeakSuite(string? suite) =>
        suite is not null && (suite.Contains("SHA1", StringComparison.Ordinal) || suite.Contains("MODP_1024", StringComparison.Ordinal));

    private static List<string> Combine(IReadOnlyList<string> configured, string[] standard, string[] weak, string? profile)
    {
        var list = new List<string>(configured.Count > 0 ? configured : standard);
        if (profile == WeakWindowsStock) list.AddRange(weak);
        return list;
    }
}

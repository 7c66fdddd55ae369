using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Configuration;
using Appliance.Ike;

namespace Appliance.Integration.Tests;

/// <summary>
/// A remote-access tunnel's settings (RemoteAuth eap-mschapv2) and Appliance:Users, checked in process at start: every
/// problem named by its key, secrets never echoed, and the engine configuration the factory builds from them.
/// </summary>
public sealed class RemoteAccessConfigTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("appliance-ra-").FullName;

    public RemoteAccessConfigTests()
    {
        // The provisioned identity an Auth cert tunnel uses by default: CA, device key and certificate.
        Directory.CreateDirectory(Path.Combine(_state, "identity"));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Office CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=vpn.example.com", deviceKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("vpn.example.com");
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 device = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), [1, 2, 3]);
        File.WriteAllText(Path.Combine(_state, "identity", "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_state, "identity", "device.crt"), device.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_state, "identity", "device.key"), deviceKey.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private ApplianceOptions Options(Action<TunnelOptions>? tweak = null)
    {
        var tunnel = new TunnelOptions
        {
            RemoteAddress = "%any",
            Auth = "cert",
            RemoteAuth = "eap-mschapv2",
            Start = "none",
            LocalTs = ["192.168.1.0/24"],
            Ike = ["aes256gcm16-prfsha256-curve25519"],
            Esp = ["aes256gcm16"],
            Pool = "10.99.0.0/24",
            Dns = ["192.168.1.1"],
            DnsDomains = ["office.example"],
        };
        tweak?.Invoke(tunnel);
        var options = new ApplianceOptions { StateDirectory = _state };
        options.Tunnels["roadwarriors"] = tunnel;
        options.Users["alice"] = new UserOptions { Password = "alice's long passphrase" };
        options.Users["bob@example.com"] = new UserOptions { NtHash = "44EBBA8D5312B8D611474411F56989AE" };
        return options;
    }

    [Fact]
    public void A_complete_remote_access_tunnel_is_valid_and_needs_no_RemoteId_or_RemoteTs() =>
        Assert.Empty(ApplianceOptionsValidator.Validate(Options()));

    [Theory]
    [InlineData("RemoteAddress", "Appliance:Tunnels:roadwarriors:RemoteAddress: a remote-access tunnel serves clients from anywhere")]
    [InlineData("Auth", "Appliance:Tunnels:roadwarriors:Auth: a remote-access tunnel authenticates the box with its certificate")]
    [InlineData("Start", "Appliance:Tunnels:roadwarriors:Start: a remote-access tunnel only responds")]
    [InlineData("Pool", "Appliance:Tunnels:roadwarriors:Pool: required for remote access")]
    [InlineData("PoolFamily", "Appliance:Tunnels:roadwarriors:Pool: 'fd00::/64' is not an IPv4 network")]
    [InlineData("PoolHostBits", "Appliance:Tunnels:roadwarriors:Pool: '10.99.0.1/24' is not an IPv4 network")]
    [InlineData("PoolOverlapsLan", "Appliance:Tunnels:roadwarriors:Pool: 192.168.1.128/25 overlaps LocalTs 192.168.1.0/24")]
    [InlineData("Pool6", "Appliance:Tunnels:roadwarriors:Pool6: '10.0.0.0/8' is not an IPv6 network")]
    [InlineData("Dns", "Appliance:Tunnels:roadwarriors:Dns:0: 'dns.example' is not an IP address")]
    [InlineData("DnsDomains", "Appliance:Tunnels:roadwarriors:DnsDomains:0: 'bad domain' is not a domain name")]
    [InlineData("RemoteAuth", "Appliance:Tunnels:roadwarriors:RemoteAuth: 'eap-md5' is not one of eap-mschapv2")]
    [InlineData("LockOut", "Appliance:Tunnels:roadwarriors:LockOut: must be 00:00:01 to 1.00:00:00")]
    public void Each_bad_remote_access_setting_is_named_by_its_key(string what, string message)
    {
        ApplianceOptions options = Options(t =>
        {
            switch (what)
            {
                case "RemoteAddress": t.RemoteAddress = "10.0.0.1"; break;
                case "Auth": t.Auth = "psk"; t.Psk = "x"; break;
                case "Start": t.Start = "trap"; break;
                case "Pool": t.Pool = null; break;
                case "PoolFamily": t.Pool = "fd00::/64"; break;
                case "PoolHostBits": t.Pool = "10.99.0.1/24"; break;
                case "PoolOverlapsLan": t.Pool = "192.168.1.128/25"; break;
                case "Pool6": t.Pool6 = "10.0.0.0/8"; break;
                case "Dns": t.Dns = ["dns.example"]; break;
                case "DnsDomains": t.DnsDomains = ["bad domain"]; break;
                case "RemoteAuth": t.RemoteAuth = "eap-md5"; break;
                case "LockOut": t.LockOut = TimeSpan.Zero; break;
            }
        });
        Assert.Contains(ApplianceOptionsValidator.Validate(options), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Pool_settings_on_a_site_tunnel_are_refused()
    {
        ApplianceOptions options = Options(t => { t.RemoteAuth = null; t.Pool = "10.99.0.0/24"; });
        Assert.Contains(ApplianceOptionsValidator.Validate(options), e => e.StartsWith("Appliance:Tunnels:roadwarriors:Pool: only for a remote-access tunnel"));
    }

    [Fact]
    public void Users_need_exactly_one_secret_and_a_plain_name_and_are_never_echoed()
    {
        ApplianceOptions options = Options();
        options.Users["carol"] = new UserOptions { Password = "carol-secret-1", NtHash = "44EBBA8D5312B8D611474411F56989AE" };
        options.Users["dave"] = new UserOptions { NtHash = "not-hex-dave-secret" };
        options.Users["eve smith"] = new UserOptions { Password = "eve-secret" };
        options.Users["frank"] = new UserOptions();
        IReadOnlyList<string> errors = ApplianceOptionsValidator.Validate(options);
        Assert.Contains("Appliance:Users:carol:Password: set exactly one of Password and NtHash", errors);
        Assert.Contains("Appliance:Users:dave:NtHash: not 32 hex digits", errors);
        Assert.Contains("Appliance:Users:eve smith: user names are 1-64 letters, digits and . _ @ -", errors);
        Assert.Contains("Appliance:Users:frank:Password: set exactly one of Password and NtHash", errors);
        string all = string.Join('\n', errors);
        Assert.DoesNotContain("secret", all);
    }

    [Fact]
    public void A_remote_access_tunnel_without_configured_users_is_valid_they_may_come_from_users_json()
    {
        ApplianceOptions options = Options();
        options.Users.Clear();
        Assert.DoesNotContain(ApplianceOptionsValidator.Validate(options), e => e.Contains("Users", StringComparison.Ordinal));
    }

    [Fact]
    public void Factory_builds_the_engine_configuration_with_hashed_users_and_pool_selectors()
    {
        ApplianceOptions options = Options(t => { t.Pool6 = "fd00:99::/64"; t.MaxLoginFailures = 3; t.LockOut = TimeSpan.FromMinutes(1); });
        EapUserStore users = RemoteAccessRules.Users(options.Users);
        IkeTunnelConfig config = TunnelConfigFactory.Create("roadwarriors", options.Tunnels["roadwarriors"], IPAddress.Parse("203.0.113.1"), _state, users);
        Assert.True(config.RemoteId.IsAny);
        Assert.Equal(["10.99.0.0/24", "fd00:99::/64"], config.RemoteTs.Select(ts => ts.ToString()));
        RemoteAccessConfig ra = Assert.IsType<RemoteAccessConfig>(config.RemoteAccess);
        Assert.Equal(IPNetwork.Parse("10.99.0.0/24"), ra.Pool4);
        Assert.Equal([IPAddress.Parse("192.168.1.1")], ra.Dns);
        Assert.Equal(["office.example"], ra.DnsDomains);
        Assert.Equal((3, TimeSpan.FromMinutes(1)), (ra.MaxFailures, ra.LockOut));
        Assert.Equal(2, ra.Users.Count);
        Assert.Equal(Convert.FromHexString("44EBBA8D5312B8D611474411F56989AE"), ra.Users.NtHash("BOB@example.com")); // names are case-insensitive
        Assert.NotNull(ra.Users.NtHash("alice"));
        Assert.DoesNotContain("passphrase", config.ToString());
        Assert.Contains("<2 users>", config.ToString());
    }
}

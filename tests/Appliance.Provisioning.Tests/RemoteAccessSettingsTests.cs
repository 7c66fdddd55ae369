namespace Appliance.Provisioning.Tests;

/// <summary>Remote-access keys (issue #15) as provisioning accepts them: the tunnel's pool and DNS, and write-only user secrets.</summary>
public class RemoteAccessSettingsTests
{
    [Theory]
    [InlineData("Appliance:Tunnels:rw:RemoteAddress", "%any", true)]
    [InlineData("Appliance:Tunnels:rw:RemoteAddress", "%all", false)]
    [InlineData("Appliance:Tunnels:rw:RemoteAuth", "EAP-MSCHAPV2", true)]
    [InlineData("Appliance:Tunnels:rw:RemoteAuth", "eap-md5", false)]
    [InlineData("Appliance:Tunnels:rw:Pool", "10.99.0.0/24", true)]
    [InlineData("Appliance:Tunnels:rw:Pool", "10.99.0.1/24", false)]
    [InlineData("Appliance:Tunnels:rw:Pool6", "fd00:99::/64", true)]
    [InlineData("Appliance:Tunnels:rw:Dns:0", "192.168.1.1", true)]
    [InlineData("Appliance:Tunnels:rw:Dns:0", "dns.example", false)]
    [InlineData("Appliance:Tunnels:rw:DnsDomains:0", "office.example", true)]
    [InlineData("Appliance:Tunnels:rw:MaxLoginFailures", "5", true)]
    [InlineData("Appliance:Tunnels:rw:LockOut", "00:05:00", true)]
    [InlineData("Appliance:Users:alice@example.com:Password", "any secret at all", true)]
    [InlineData("Appliance:Users:alice:NtHash", "44EBBA8D5312B8D611474411F56989AE", true)]
    public void Values(string key, string value, bool ok)
    {
        Assert.True(SettingsSchema.TryResolve(key, out var resolved, out _), key);
        Assert.Equal(ok, SettingsSchema.ValidateValue(resolved.Canonical, value) is null);
    }

    [Fact]
    public void User_secrets_are_secret_and_user_names_are_plain()
    {
        Assert.True(SettingsSchema.TryResolve("Appliance:Users:alice:Password", out var password, out _));
        Assert.True(password.IsSecret);
        Assert.True(SettingsSchema.TryResolve("Appliance:Users:alice:NtHash", out var hash, out _));
        Assert.True(hash.IsSecret);
        Assert.False(SettingsSchema.TryResolve("Appliance:Users:eve smith:Password", out _, out _));
        Assert.False(SettingsSchema.TryResolve("Appliance:Users:alice:Email", out _, out _));
    }

    private static Dictionary<string, string> RemoteAccess() => new()
    {
        ["Appliance:Tunnels:rw:RemoteAddress"] = "%any",
        ["Appliance:Tunnels:rw:Auth"] = "cert",
        ["Appliance:Tunnels:rw:RemoteAuth"] = "eap-mschapv2",
        ["Appliance:Tunnels:rw:Start"] = "none",
        ["Appliance:Tunnels:rw:Pool"] = "10.99.0.0/24",
        ["Appliance:Tunnels:rw:LocalTs:0"] = "192.168.1.0/24",
        ["Appliance:Tunnels:rw:Ike:0"] = "aes256gcm16-prfsha256-ecp256",
        ["Appliance:Tunnels:rw:Esp:0"] = "aes256gcm16",
        ["Appliance:Users:alice:Password"] = "alice's long passphrase",
    };

    [Fact]
    public void A_complete_remote_access_tunnel_commits_without_RemoteTs() =>
        Assert.Empty(ConfigurationValidator.Validate(RemoteAccess(), hasDeviceKey: true, hasDeviceCertificate: true));

    [Fact]
    public void A_remote_access_tunnel_commits_without_configured_users_they_come_by_USER_ADD()
    {
        Dictionary<string, string> settings = RemoteAccess();
        settings.Remove("Appliance:Users:alice:Password");
        Assert.Empty(ConfigurationValidator.Validate(settings, hasDeviceKey: true, hasDeviceCertificate: true));
    }

    [Theory]
    [InlineData("Appliance:Tunnels:rw:Pool", null, "Appliance:Tunnels:rw:Pool")]
    [InlineData("Appliance:Tunnels:rw:Start", "trap", "Appliance:Tunnels:rw:Start")]
    [InlineData("Appliance:Tunnels:rw:RemoteAddress", "10.0.0.1", "Appliance:Tunnels:rw:RemoteAddress")]
    public void Commit_names_what_the_service_would_refuse(string key, string? value, string named)
    {
        Dictionary<string, string> settings = RemoteAccess();
        if (value is null) settings.Remove(key);
        else settings[key] = value;
        List<SettingError> errors = ConfigurationValidator.Validate(settings, hasDeviceKey: true, hasDeviceCertificate: true);
        Assert.Contains(errors, e => e.Key == named);
        Assert.DoesNotContain(errors, e => e.Message.Contains("passphrase"));
    }
}

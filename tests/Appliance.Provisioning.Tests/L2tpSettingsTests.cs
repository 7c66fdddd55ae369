namespace Appliance.Provisioning.Tests;

/// <summary>Appliance:L2tp (issue 16) as provisioning takes it: keys and values, the PSK secret, and COMMIT's rules.</summary>
public class L2tpSettingsTests
{
    [Theory]
    [InlineData("Appliance:L2tp:Enabled", "true", true)]
    [InlineData("Appliance:L2tp:Enabled", "yes", false)]
    [InlineData("Appliance:L2tp:Psk", "any shared secret", true)]
    [InlineData("Appliance:L2tp:PskFile", "/etc/appliance/l2tp.psk", true)]
    [InlineData("Appliance:L2tp:PskFile", "l2tp.psk", false)]
    [InlineData("Appliance:L2tp:Pool", "10.78.0.0/24", true)]
    [InlineData("Appliance:L2tp:Pool", "10.78.0.1/24", false)]
    [InlineData("Appliance:L2tp:Dns:0", "192.168.1.1", true)]
    [InlineData("Appliance:L2tp:Dns:1", "dns.example", false)]
    [InlineData("Appliance:L2tp:MaxLoginFailures", "5", true)]
    [InlineData("Appliance:L2tp:LockOut", "00:05:00", true)]
    public void Values(string key, string value, bool ok)
    {
        Assert.True(SettingsSchema.TryResolve(key, out var resolved, out _), key);
        Assert.Equal(ok, SettingsSchema.ValidateValue(resolved.Canonical, value) is null);
    }

    [Fact]
    public void The_psk_is_secret_and_unknown_keys_are_refused()
    {
        Assert.True(SettingsSchema.TryResolve("Appliance:L2tp:Psk", out var psk, out _));
        Assert.True(psk.IsSecret);
        Assert.True(SettingsSchema.TryResolve("Appliance:L2tp:Pool", out var pool, out _));
        Assert.False(pool.IsSecret);
        Assert.False(SettingsSchema.TryResolve("Appliance:L2tp:Mtu", out _, out _));
    }

    [Fact]
    public void Commit_refuses_an_enabled_section_without_key_or_pool_and_names_both()
    {
        var settings = new Dictionary<string, string> { ["Appliance:L2tp:Enabled"] = "true" };
        var errors = ConfigurationValidator.Validate(settings, hasDeviceKey: false, hasDeviceCertificate: false);
        Assert.Contains(errors, e => e.Key == "Appliance:L2tp:Psk");
        Assert.Contains(errors, e => e.Key == "Appliance:L2tp:Pool");

        settings["Appliance:L2tp:Psk"] = "a long shared secret";
        settings["Appliance:L2tp:Pool"] = "10.78.0.0/24";
        Assert.Empty(ConfigurationValidator.Validate(settings, hasDeviceKey: false, hasDeviceCertificate: false));
        // Off, nothing else is needed.
        Assert.Empty(ConfigurationValidator.Validate(new Dictionary<string, string> { ["Appliance:L2tp:Enabled"] = "false" }, false, false));
    }
}

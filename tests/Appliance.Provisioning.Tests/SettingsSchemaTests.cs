namespace Appliance.Provisioning.Tests;

public class SettingsSchemaTests
{
    [Theory]
    [InlineData("appliance:wan:interface", "Appliance:Wan:Interface")]
    [InlineData("Appliance:Tunnels:hq:RemoteAddress", "Appliance:Tunnels:hq:RemoteAddress")]
    [InlineData("APPLIANCE:TUNNELS:Hq:localts:3", "Appliance:Tunnels:Hq:LocalTs:3")]
    public void KnownKeys_ResolveToTheirCanonicalSpelling(string typed, string canonical)
    {
        Assert.True(SettingsSchema.TryResolve(typed, out var key, out bool whole));
        Assert.False(whole);
        Assert.Equal(canonical, key.Canonical);
    }

    [Theory]
    [InlineData("Appliance:Wan:Colour")]
    [InlineData("Appliance:Tunnels:bad name:Auth")]
    [InlineData("Appliance:Tunnels:hq:LocalTs:01")]
    [InlineData("Appliance:Tunnels:hq:LocalTs:64")]
    [InlineData("Appliance:Tunnels:hq:Psk=secret")]
    [InlineData("")]
    public void UnknownKeys_AreRejected(string typed) => Assert.False(SettingsSchema.TryResolve(typed, out _, out _));

    [Fact]
    public void ListKeyWithoutIndex_ResolvesAsWholeList()
    {
        Assert.True(SettingsSchema.TryResolve("Appliance:Tunnels:hq:Esp", out var key, out bool whole));
        Assert.True(whole);
        Assert.Equal("Appliance:Tunnels:hq:Esp", key.ListKey);
    }

    [Fact]
    public void Psk_IsSecret_OthersAreNot()
    {
        Assert.True(SettingsSchema.TryResolve("Appliance:Tunnels:hq:Psk", out var psk, out _));
        Assert.True(psk.IsSecret);
        Assert.True(SettingsSchema.TryResolve("Appliance:Tunnels:hq:PskFile", out var file, out _));
        Assert.False(file.IsSecret);
    }

    [Theory]
    [InlineData("Appliance:Tunnels:hq:RemoteAddress", "10.99.0.2", true)]
    [InlineData("Appliance:Tunnels:hq:RemoteAddress", "2001:db8::1", true)]
    [InlineData("Appliance:Tunnels:hq:RemoteAddress", "10.99.0.300", false)]
    [InlineData("Appliance:Tunnels:hq:LocalTs:0", "192.168.1.0/24", true)]
    [InlineData("Appliance:Tunnels:hq:LocalTs:0", "192.168.1.1/24", false)]
    [InlineData("Appliance:Tunnels:hq:LocalTs:0", "192.168.1.0", false)]
    [InlineData("Appliance:Tunnels:hq:LocalTs:0", "2001:db8::/32", true)]
    [InlineData("Appliance:Tunnels:hq:Ike:0", "aes256gcm16-prfsha256-curve25519", true)]
    [InlineData("Appliance:Tunnels:hq:Ike:0", "aes256gcm16--x", false)]
    [InlineData("Appliance:Tunnels:hq:Auth", "PSK", true)]
    [InlineData("Appliance:Tunnels:hq:Auth", "eap", false)]
    [InlineData("Appliance:Wan:Interface", "wan0", true)]
    [InlineData("Appliance:Wan:Interface", "a-very-long-interface-name", false)]
    [InlineData("Appliance:StateDirectory", "relative/path", false)]
    [InlineData("Appliance:Tunnels:hq:LocalId", "branch1.example.com", true)]
    [InlineData("Appliance:Tunnels:hq:Psk", "a shared secret", true)]
    // The service's own choices (an "always" it does not know would stop it at start with exit 78).
    [InlineData("Appliance:Tunnels:hq:Encapsulation", "udp", true)]
    [InlineData("Appliance:Tunnels:hq:Encapsulation", "none", true)]
    [InlineData("Appliance:Tunnels:hq:Encapsulation", "always", false)]
    [InlineData("Appliance:Tunnels:hq:DpdAction", "trap", true)]
    [InlineData("Appliance:Tunnels:hq:Ah:0", "sha256", true)]
    [InlineData("Appliance:Tunnels:hq:Bypass:0", "192.168.2.50/32", true)]
    [InlineData("Appliance:Tunnels:hq:RekeyTime", "01:00:00", true)]
    [InlineData("Appliance:Tunnels:hq:RekeyTime", "1.00:00:00", true)]
    [InlineData("Appliance:Tunnels:hq:RekeyTime", "1h", false)]
    [InlineData("Appliance:Tunnels:hq:Inactivity", "-00:00:05", false)]
    [InlineData("Appliance:Tunnels:hq:RekeyBytes", "500000000", true)]
    [InlineData("Appliance:Tunnels:hq:RekeyBytes", "-1", false)]
    [InlineData("Appliance:Tunnels:hq:LifePackets", "1e9", false)]
    [InlineData("Appliance:Tunnels:hq:Certificate", "/var/lib/appliance/identity/device.crt", true)]
    [InlineData("Appliance:Tunnels:hq:CaCertificates:0", "ca.crt", false)]
    [InlineData("Appliance:Ike:Dpd", "00:00:30", true)]
    // LAN services: the box's address keeps its host bits; static leases are MAC=IPv4; upstreams as the service spells them.
    [InlineData("Appliance:Lan:Address", "192.168.1.1/24", true)]
    [InlineData("Appliance:Lan:Address", "192.168.1.1", false)]
    [InlineData("Appliance:Dhcp:Enabled", "true", true)]
    [InlineData("Appliance:Dhcp:LeaseTime", "12:00:00", true)]
    [InlineData("Appliance:Dhcp:StaticLeases:0", "52:54:00:12:34:56=192.168.1.20", true)]
    [InlineData("Appliance:Dhcp:StaticLeases:0", "52:54:00:12:34=192.168.1.20", false)]
    [InlineData("Appliance:Dhcp:SearchDomains:0", "corp.example.com", true)]
    [InlineData("Appliance:Dhcp:SearchDomains:0", "corp example", false)]
    [InlineData("Appliance:Dns:Upstreams:0", "tls://9.9.9.9#dns.quad9.net", true)]
    [InlineData("Appliance:Dns:Upstreams:0", "wan", true)]
    [InlineData("Appliance:Dns:Upstreams:0", "9.9.9.9 8.8.8.8", false)]
    [InlineData("Appliance:Dns:Domains:corp.example.com", "hq", true)]
    [InlineData("Appliance:Dns:Domains:corp.example.com", "hq,10.0.0.53", true)]
    public void Values_AreCheckedByKind(string key, string value, bool valid) =>
        Assert.Equal(valid, SettingsSchema.ValidateValue(key, value) is null);
}

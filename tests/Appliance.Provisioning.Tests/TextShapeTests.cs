using Appliance.Common;

namespace Appliance.Provisioning.Tests;

/// <summary>The hand-written shape checks that replaced the generated regular expressions.</summary>
public sealed class TextShapeTests
{
    [Theory]
    [InlineData("corp.example.com", true)]
    [InlineData("corp.example.com.", true)]
    [InlineData("_sip._udp.example.com", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a b", false)]
    [InlineData("example.com\n", false)]
    public void Domain_names(string text, bool ok) => Assert.Equal(ok, TextShape.IsDomainName(text));

    [Theory]
    [InlineData("vpn.example.com", true)]
    [InlineData("gw-1.hq.example", true)]
    [InlineData("localhost", true)]
    [InlineData("10.99.0.300", false)]
    [InlineData("vpn_1.example.com", false)]
    [InlineData("-vpn.example.com", false)]
    [InlineData("vpn-.example.com", false)]
    [InlineData("vpn.example.com.", false)]
    [InlineData("vpn..example.com", false)]
    [InlineData("", false)]
    public void Host_names(string text, bool ok) => Assert.Equal(ok, TextShape.IsHostName(text));

    [Fact]
    public void Domain_name_limits_are_63_per_label_and_253_in_all()
    {
        Assert.True(TextShape.IsDomainName(new string('a', 63) + ".com"));
        Assert.False(TextShape.IsDomainName(new string('a', 64) + ".com"));
        string long253 = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".abc"; // 5*50 + 3 = 253
        Assert.Equal(253, long253.Length);
        Assert.True(TextShape.IsDomainName(long253));
        Assert.False(TextShape.IsDomainName(long253 + "d"));
    }

    [Theory]
    [InlineData("00:11:22:aa:BB:cc=192.168.1.20", true)]
    [InlineData("00-11-22-aa-bb-cc=192.168.1.20", true)]
    [InlineData("00:11:22:aa:bb=192.168.1.20", false)]
    [InlineData("00:11:22:aa:bb:cg=192.168.1.20", false)]
    [InlineData("00:11:22:aa:bb:cc=1.2.3", false)]
    [InlineData("00:11:22:aa:bb:cc:192.168.1.20", false)]
    public void Static_leases(string text, bool ok) => Assert.Equal(ok, TextShape.IsStaticLease(text));

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519", true)]
    [InlineData("aes256", true)]
    [InlineData("aes256--sha256", false)]
    [InlineData("-aes256", false)]
    [InlineData("AES256", false)]
    public void Proposals(string text, bool ok) => Assert.Equal(ok, TextShape.IsProposal(text));

    [Theory]
    [InlineData("wan,hq,tls://9.9.9.9#dns.quad9.net,[2001:db8::1]:53", true)]
    [InlineData("wan,", false)]
    [InlineData("wan hq", false)]
    public void Upstream_lists(string text, bool ok) => Assert.Equal(ok, TextShape.IsUpstreamList(text));

    [Fact]
    public void Names_tokens_users_boards_and_hashes()
    {
        Assert.True(TextShape.IsTunnelName("hq-1_a"));
        Assert.False(TextShape.IsTunnelName(new string('a', 33)));
        Assert.False(TextShape.IsTunnelName("hq\n"));
        Assert.True(TextShape.IsUserName("alice@example.com"));
        Assert.False(TextShape.IsUserName("DOMAIN\\alice"));
        Assert.True(TextShape.IsInterfaceName("eth0.100"));
        Assert.False(TextShape.IsInterfaceName("a-very-long-interface"));
        Assert.True(TextShape.IsBoardName("rpi4"));
        Assert.False(TextShape.IsBoardName("-rpi4"));
        Assert.False(TextShape.IsBoardName("Rpi4"));
        Assert.True(TextShape.IsNtHash("8846F7EAEE8FB117AD06BDD830B7586C"));
        Assert.False(TextShape.IsNtHash("8846F7EAEE8FB117AD06BDD830B7586"));
        Assert.True(TextShape.IsToken("x.y_z-1"));
        Assert.False(TextShape.IsToken(""));
    }
}

using System.Net;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Eap;

/// <summary>CP payload bodies byte for byte (RFC 7296 §3.15, §3.15.1; RFC 8598 §4).</summary>
public class ConfigurationAttributesTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static byte[] Body(ConfigurationPayload cp)
    {
        var w = new WireWriter();
        cp.WriteBody(w);
        return w.Written.ToArray();
    }

    private static readonly RemoteAccessConfig Ra = new(IPNetwork.Parse("10.99.0.0/24"), IPNetwork.Parse("fd00:99::/64"),
        [IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00:1::1")], ["office.example"], new EapUserStore());

    [Fact]
    public void Client_request_asks_with_empty_attributes()
    {
        // CFG_REQUEST(1), reserved; INTERNAL_IP4_ADDRESS(1)/0, INTERNAL_IP4_DNS(3)/0, INTERNAL_DNS_DOMAIN(25)/0.
        Assert.Equal(H("01000000 00010000 00030000 00190000"), Body(ConfigurationAttributes.Request(ip4: true, ip6: false)));
    }

    [Fact]
    public void Reply_carries_address_netmask_dns_and_domains_as_asked()
    {
        // A request as Windows and macOS send it: address, netmask, DNS for both families, split-DNS domains.
        ConfigurationPayload request = ConfigurationPayload.Read(H("01000000 00010000 00020000 00030000 00080000 000a0000 00190000"));
        CfgRequest wanted = ConfigurationAttributes.ReadRequest(request);
        Assert.Equal(new CfgRequest(true, true, true, true, true, true), wanted);
        ConfigurationPayload reply = ConfigurationAttributes.Reply(wanted, IPAddress.Parse("10.99.0.5"), IPAddress.Parse("fd00:99::5"), 64, Ra);
        Assert.Equal(H("02000000" +
                       "0001 0004 0a630005" +
                       "0002 0004 ffffffff" +
                       "0008 0011 fd000099000000000000000000000005 40" +
                       "0003 0004 c0a80101" +
                       "000a 0010 fd000001000000000000000000000001" +
                       "0019 000e" + Convert.ToHexString("office.example"u8)), Body(reply));
    }

    [Fact]
    public void Reply_leaves_out_what_was_not_asked_for()
    {
        ConfigurationPayload request = ConfigurationPayload.Read(H("01000000 00010000"));
        ConfigurationPayload reply = ConfigurationAttributes.Reply(ConfigurationAttributes.ReadRequest(request), IPAddress.Parse("10.99.0.5"), null, 64, Ra);
        Assert.Equal(H("02000000 00010004 0a630005"), Body(reply));
    }

    [Fact]
    public void Reading_a_reply_ignores_values_of_the_wrong_size()
    {
        // IP4 address of 3 octets, a good one, DNS of 5 octets, a domain with a control character: only the good address stays.
        ConfigurationPayload reply = ConfigurationPayload.Read(H("02000000 00010003 0a6300 00010004 0a630007 00030005 c0a8010101 00190002 6101"));
        VirtualAddressAssignment got = ConfigurationAttributes.ReadReply(reply);
        Assert.Equal([IPAddress.Parse("10.99.0.7")], got.Addresses);
        Assert.Empty(got.Dns);
        Assert.Empty(got.DnsDomains);
    }

    [Fact]
    public void Pool_skips_network_and_broadcast_and_reuses_released_addresses()
    {
        var pool = new VirtualIpPool(IPNetwork.Parse("10.0.0.0/30"));
        Assert.Equal(2, pool.Capacity);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), pool.Allocate());
        Assert.Equal(IPAddress.Parse("10.0.0.2"), pool.Allocate());
        Assert.Null(pool.Allocate());
        pool.Release(IPAddress.Parse("10.0.0.1"));
        Assert.Equal(IPAddress.Parse("10.0.0.1"), pool.Allocate());
        var six = new VirtualIpPool(IPNetwork.Parse("fd00::/126"));
        Assert.Equal(3, six.Capacity);
        Assert.Equal(IPAddress.Parse("fd00::1"), six.Allocate());
    }
}

using System.Diagnostics;
using System.Net;
using Appliance.Linux.Policy;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Linux.Tests.Unit;

/// <summary>Addresses of excluded domains in the SPD, their expiry and bound, and the local breakout's nftables script.</summary>
public sealed class ExclusionTests
{
    private static byte[] A(string s) => IPAddress.Parse(s).GetAddressBytes();

    [Fact]
    public void An_excluded_address_bypasses_its_tunnel_until_its_time_is_up_then_is_protected_again()
    {
        var time = new FakeTimeProvider();
        var excluded = new ExcludedAddresses(16, time);
        var spd = new Spd([new TunnelPolicy("hq", [IPNetwork.Parse("192.168.1.0/24"), IPNetwork.Parse("fd00:1::/64")], [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], [], Trap: false)], excluded);
        Assert.Equal(SpdAction.Protect, spd.Lookup(A("192.168.1.10"), A("203.0.113.10"), out _));

        Assert.Equal(ExcludedAddresses.AddResult.Added, excluded.Add(IPAddress.Parse("203.0.113.10"), "zoom.us", TimeSpan.FromSeconds(60)));
        Assert.Equal(ExcludedAddresses.AddResult.Added, excluded.Add(IPAddress.Parse("2001:db8::10"), "zoom.us", TimeSpan.FromSeconds(30)));
        Assert.Equal(SpdAction.Bypass, spd.Lookup(A("192.168.1.10"), A("203.0.113.10"), out int tunnel));
        Assert.Equal(-1, tunnel);
        Assert.Equal(SpdAction.Protect, spd.Lookup(A("192.168.1.10"), A("203.0.113.11"), out _));
        // IPv4 and its IPv4-mapped IPv6 form share a key, but a real IPv6 destination is its own.
        Assert.Equal(SpdAction.Protect, spd.Lookup(A("fd00:1::10"), A("2001:db8::11"), out _));

        // A later answer with a shorter TTL does not shorten the hold; a longer one extends it.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(ExcludedAddresses.AddResult.Refreshed, excluded.Add(IPAddress.Parse("203.0.113.10"), "zoom.us", TimeSpan.FromSeconds(5)));
        Assert.Empty(excluded.Expire());
        time.Advance(TimeSpan.FromSeconds(11));
        var gone = Assert.Single(excluded.Expire());
        Assert.Equal(IPAddress.Parse("2001:db8::10"), gone.Address);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(IPAddress.Parse("203.0.113.10"), Assert.Single(excluded.Expire()).Address);
        Assert.Equal(SpdAction.Protect, spd.Lookup(A("192.168.1.10"), A("203.0.113.10"), out _));
        Assert.Equal(0, excluded.Count);
    }

    [Fact]
    public void The_table_is_bounded_and_a_full_table_refuses_new_addresses_but_refreshes_old_ones()
    {
        var excluded = new ExcludedAddresses(2, new FakeTimeProvider());
        Assert.Equal(ExcludedAddresses.AddResult.Added, excluded.Add(IPAddress.Parse("203.0.113.1"), "a.example", TimeSpan.FromMinutes(1)));
        Assert.Equal(ExcludedAddresses.AddResult.Added, excluded.Add(IPAddress.Parse("203.0.113.2"), "a.example", TimeSpan.FromMinutes(1)));
        Assert.Equal(ExcludedAddresses.AddResult.Full, excluded.Add(IPAddress.Parse("203.0.113.3"), "a.example", TimeSpan.FromMinutes(1)));
        Assert.Equal(ExcludedAddresses.AddResult.Refreshed, excluded.Add(IPAddress.Parse("203.0.113.2"), "b.example", TimeSpan.FromMinutes(2)));
        Assert.False(excluded.Contains(A("203.0.113.3")));
        excluded.Remove(IPAddress.Parse("203.0.113.1"));
        Assert.Equal(["203.0.113.2"], excluded.Snapshot().Select(e => e.Address.ToString()));
    }

    [Fact]
    public void The_breakout_script_replaces_its_own_table_whole_and_masquerades_only_the_lan_sources_on_the_wan()
    {
        string script = LocalBreakout.Ruleset("wan0", [IPNetwork.Parse("192.168.1.0/24"), IPNetwork.Parse("10.10.0.0/16")]);
        Assert.Equal("""
            table ip appliance_breakout
            delete table ip appliance_breakout
            table ip appliance_breakout {
            	chain postrouting {
            		type nat hook postrouting priority 100; policy accept;
            		oifname "wan0" ip saddr { 192.168.1.0/24, 10.10.0.0/16 } masquerade
            	}
            }

            """, script);
        Assert.Throws<ArgumentException>(() => LocalBreakout.Ruleset("wan0\" accept #", [IPNetwork.Parse("192.168.1.0/24")]));
        Assert.Throws<ArgumentException>(() => LocalBreakout.Ruleset("wan0", [IPNetwork.Parse("fd00::/64")]));
        Assert.Throws<ArgumentException>(() => LocalBreakout.Ruleset("wan0", []));
    }

    [Fact]
    public void Nft_accepts_the_breakout_and_removal_scripts()
    {
        // `nft -c` parses and checks against the kernel without committing anything.
        foreach (string script in (string[])[LocalBreakout.Ruleset("eth0", [IPNetwork.Parse("192.168.1.0/24")]), LocalBreakout.Removal()])
        {
            string file = Path.GetTempFileName();
            File.WriteAllText(file, script);
            try
            {
                using var nft = Process.Start(new ProcessStartInfo("nft", ["-c", "-f", file]) { RedirectStandardError = true })!;
                string errors = nft.StandardError.ReadToEnd();
                nft.WaitForExit();
                Assert.True(nft.ExitCode == 0, $"nft refused:\n{script}\n{errors}");
            }
            finally { File.Delete(file); }
        }
    }
}

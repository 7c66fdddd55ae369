namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// The smallest real topology for IKE: the box's WAN (10.99.0.1) linked to an HQ gateway running
/// strongSwan (10.99.0.2). The data-plane tests add LAN hosts on each side.
/// </summary>
public sealed class HqTopology : IDisposable
{
    public const string BoxWan = "10.99.0.1", HqWan = "10.99.0.2";
    public const string BoxId = "branch1.example.com", HqId = "hq.example.com";
    public const string BoxSubnet = "192.168.1.0/24", HqSubnet = "192.168.2.0/24";

    public HqTopology()
    {
        Net = new Netns();
        Box = Net.Add("box");
        Hq = Net.Add("hq");
        LanHost = Net.Add("lan");
        HqHost = Net.Add("hqhost");
        Net.Link(LanHost, "eth0", LanHostAddress + "/24", Box, "lan0", "192.168.1.1/24");
        Net.Link(Box, "wan0", BoxWan + "/24", Hq, "eth0", HqWan + "/24");
        Net.Link(Hq, "lan0", "192.168.2.1/24", HqHost, "eth0", HqHostAddress + "/24");
        Shell.Check("ip", "-n", LanHost, "route", "add", "default", "via", "192.168.1.1");
        Shell.Check("ip", "-n", HqHost, "route", "add", "default", "via", "192.168.2.1");
        Netns.Exec(Hq, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    public const string LanHostAddress = "192.168.1.10", HqHostAddress = "192.168.2.10";
    public string LanHost { get; }
    public string HqHost { get; }

    public Netns Net { get; }
    public string Box { get; }
    public string Hq { get; }

    public static string SwanctlConf(string ike, string esp, string psk, string remoteAddrs = BoxWan,
        string startAction = "none", bool encap = true, string ikeRekeyTime = "4h", string childRekeyTime = "1h", string childLifeTime = "66m") => $$"""
        connections {
          box {
            version = 2
            local_addrs = {{HqWan}}
            remote_addrs = {{remoteAddrs}}
            proposals = {{ike}}
            encap = {{(encap ? "yes" : "no")}}
            dpd_delay = 0
            rekey_time = {{ikeRekeyTime}}
            local {
              auth = psk
              id = {{HqId}}
            }
            remote {
              auth = psk
              id = {{BoxId}}
            }
            children {
              net {
                local_ts = {{HqSubnet}}
                remote_ts = {{BoxSubnet}}
                esp_proposals = {{esp}}
                start_action = {{startAction}}
                rekey_time = {{childRekeyTime}}
                life_time = {{childLifeTime}}
              }
            }
          }
        }
        secrets {
          ike-box {
            id-1 = {{HqId}}
            id-2 = {{BoxId}}
            secret = "{{psk}}"
          }
        }
        """;

    /// <summary>The "Appliance" section for the box, as JSON.</summary>
    public static string BoxConfig(string ike, string esp, string psk, string start = "always",
        string remote = HqWan, string? keyLog = null) =>
        Harness.BoxConfig.Json("hq", remote, BoxId, HqId, psk, BoxSubnet, HqSubnet, ike, esp, start, "tunnel", keyLog);

    public void Dispose() => Net.Dispose();
}

using System.Globalization;
using Appliance.Vm.Tests.Harness;

namespace Appliance.Vm.Tests.L2tp;

/// <summary>
/// The host's handle on the guest's L2TP/IPsec client harness (tools/systest/l2tp-client, installed in the guest as
/// sy-l2tp-client): Linux clients set up like Windows' built-in one (strongSwan IKEv1 PSK transport mode, xl2tpd,
/// pppd with MS-CHAPv2 only), each in its own namespace of the guest behind a NAT namespace on the guest's third NIC
/// (br-wan). They run inside the guest because its Debian kernel does transport-mode ESP; the build host's does not.
/// </summary>
public sealed class L2tpClients(ShippedBox box)
{
    public const string NatPublic = "10.99.0.60";

    /// <summary>What pppd's ip-up saw: the interface, our address, the server's, the DNS servers it was given.</summary>
    public sealed record Session(string Interface, string Local, string Remote, string Dns1, string Dns2);

    public void NatUp() => box.Guest("sy-l2tp-client nat-up");

    /// <summary>A client namespace l2tp-NAME on 172.16.INDEX.0/24 behind the NAT, its charon and xl2tpd started.</summary>
    public void Up(string name, int index, string psk, string user, string password, string server = SystemTopology.BoxWan,
        string routes = SystemTopology.BoxSubnet, string publicAddress = NatPublic) =>
        box.Guest($"L2TP_SERVER={Q(server)} L2TP_PSK={Q(psk)} L2TP_USER={Q(user)} L2TP_PASSWORD={Q(password)} " +
                  $"L2TP_ROUTES={Q(routes)} L2TP_PUBLIC={Q(publicAddress)} sy-l2tp-client up {name} {index.ToString(CultureInfo.InvariantCulture)}",
                  TimeSpan.FromMinutes(2));

    /// <summary>IPsec, then L2TP and PPP. Exit 0 with the session, 3 PPP authentication refused, 4 no IPsec, 5 no address in time.</summary>
    public (int ExitCode, Session? Session, string Output) Connect(string name, int seconds = 120)
    {
        var r = box.TryGuest($"sy-l2tp-client connect {name} {seconds}", TimeSpan.FromSeconds(seconds + 120));
        return (r.ExitCode, r.ExitCode == 0 ? Parse(r.Output) : null, r.Output);
    }

    public void SetPassword(string name, string password) => box.Guest($"sy-l2tp-client password {name} {Q(password)}");
    public GuestAgent.Result Ping(string name, string target, int count = 3) =>
        box.TryGuest($"sy-l2tp-client ping {name} {target} {count}", TimeSpan.FromSeconds(60 + count));
    public string Disconnect(string name) => box.Guest($"sy-l2tp-client disconnect {name}", TimeSpan.FromMinutes(1));
    public string Logs(string name) => box.TryGuest($"sy-l2tp-client logs {name} 40").Output;
    public string Sas(string name) => box.TryGuest($"sy-l2tp-client sas {name}").Output;
    public void Down(string name) => box.TryGuest($"sy-l2tp-client down {name}");
    public void NatDown() => box.TryGuest("sy-l2tp-client nat-down");

    /// <summary>The resolv.conf pppd's usepeerdns wrote in the client's own /etc/ppp.</summary>
    public string ResolvConf(string name) => box.TryGuest($"cat /var/lib/sy-l2tp/{name}/ppp/resolv.conf").Output;

    private static Session Parse(string output)
    {
        var kv = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        string Get(string k) => kv.TryGetValue(k, out var v) ? v : "";
        return new Session(Get("iface"), Get("local"), Get("remote"), Get("dns1"), Get("dns2"));
    }

    /// <summary>Single-quoted for the guest's shell.</summary>
    private static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

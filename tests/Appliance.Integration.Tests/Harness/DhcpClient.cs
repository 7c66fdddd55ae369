using System.Text;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// ISC dhclient on a namespace's eth0, with a script of ours that applies the address and default route and records
/// what the server handed out; it never touches the machine's /etc/resolv.conf (Debian's dhclient-script would).
/// </summary>
public sealed class DhcpClient(string ns) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ln-dhclient-").FullName;

    private string Script => Path.Combine(_dir, "script.sh");
    private string LeaseFile => Path.Combine(_dir, "dhclient.leases");
    private string Events => Path.Combine(_dir, "events");

    /// <summary>Runs dhclient once (-1): it returns when bound or after its timeout. Returns the last event's variables.</summary>
    public Dictionary<string, string> Obtain()
    {
        File.WriteAllText(Script, """
            #!/bin/sh
            { echo "reason=$reason"; echo "new_ip_address=$new_ip_address"; echo "new_subnet_mask=$new_subnet_mask";
              echo "new_routers=$new_routers"; echo "new_domain_name_servers=$new_domain_name_servers";
              echo "new_domain_search=$new_domain_search"; echo "new_domain_name=$new_domain_name"; echo "--"; } >> "$(dirname "$0")/events"
            case "$reason" in
              BOUND|RENEW|REBIND|REBOOT)
                ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
                ip route replace default via "${new_routers%% *}" dev "$interface" ;;
              PREINIT) ip link set "$interface" up ;;
            esac
            exit 0
            """);
        File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_dir, "dhclient.conf"),
            "timeout 30; initial-interval 1; send host-name \"pc\";\nrequest subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search;\n");
        var r = Shell.Run("ip", ["netns", "exec", ns, "dhclient", "-1", "-v", "-cf", Path.Combine(_dir, "dhclient.conf"),
            "-sf", Script, "-lf", LeaseFile, "-pf", Path.Combine(_dir, "dhclient.pid"), "eth0"], TimeSpan.FromSeconds(60));
        Log.AppendLine(r.All);
        return LastEvent();
    }

    /// <summary>Stops the client without a RELEASE (-x), as a PC that is switched off keeps its lease.</summary>
    public void Stop() =>
        Log.AppendLine(Shell.Run("ip", ["netns", "exec", ns, "dhclient", "-x", "-pf", Path.Combine(_dir, "dhclient.pid"), "-sf", Script, "-lf", LeaseFile],
            TimeSpan.FromSeconds(30)).All);

    /// <summary>Gives the address back (-r): a DHCPRELEASE.</summary>
    public void Release() =>
        Log.AppendLine(Shell.Run("ip", ["netns", "exec", ns, "dhclient", "-r", "-v", "-pf", Path.Combine(_dir, "dhclient.pid"), "-sf", Script, "-lf", LeaseFile, "eth0"],
            TimeSpan.FromSeconds(30)).All);

    public StringBuilder Log { get; } = new();

    public Dictionary<string, string> LastEvent()
    {
        var result = new Dictionary<string, string>();
        if (!File.Exists(Events)) return result;
        string[] blocks = File.ReadAllText(Events).Split("--\n", StringSplitOptions.RemoveEmptyEntries);
        foreach (string line in blocks.LastOrDefault()?.Split('\n') ?? [])
            if (line.IndexOf('=') is int eq and > 0) result[line[..eq]] = line[(eq + 1)..];
        return result;
    }

    public void Dispose()
    {
        Stop();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Linux.Native;

namespace Appliance.Linux.Routing;

/// <summary>
/// Local breakout: LAN traffic the kernel forwards out of the WAN (everything no tunnel takes: the internet in a split
/// tunnel, Bypass and Exclude) is source-NATed to the WAN's address, by an nftables masquerade rule in a table of its own.
/// The table is kernel state like the kill switch: it outlives the process, and each start replaces it whole in one nft
/// transaction (create, delete, create), so a changed configuration never leaves an old rule behind. Traffic for the
/// tunnels never reaches this hook: the data plane takes it and the kill switch blackholes it in the kernel.
/// </summary>
public static class LocalBreakout
{
    public const string TableName = "appliance_breakout";

    /// <summary>The nft script that makes the table hold exactly one masquerade rule for <paramref name="sources"/> (IPv4).</summary>
    public static string Ruleset(string wanInterface, IReadOnlyList<IPNetwork> sources)
    {
        if (sources.Count == 0) throw new ArgumentException("local breakout needs IPv4 source prefixes", nameof(sources));
        foreach (var p in sources)
            if (p.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
                throw new ArgumentException("local breakout needs IPv4 source prefixes", nameof(sources));
        if (!Common.TextShape.IsInterfaceName(wanInterface))
            throw new ArgumentException($"'{wanInterface}' is not an interface name", nameof(wanInterface));
        var s = new StringBuilder();
        s.Append("table ip ").Append(TableName).Append('\n');
        s.Append("delete table ip ").Append(TableName).Append('\n');
        s.Append("table ip ").Append(TableName).Append(" {\n");
        s.Append("\tchain postrouting {\n");
        s.Append("\t\ttype nat hook postrouting priority 100; policy accept;\n");
        s.Append("\t\toifname \"").Append(wanInterface).Append("\" ip saddr { ");
        for (int i = 0; i < sources.Count; i++) s.Append(i == 0 ? "" : ", ").Append(sources[i].ToString());
        s.Append(" } masquerade\n");
        s.Append("\t}\n}\n");
        return s.ToString();
    }

    /// <summary>The script that removes the table if an earlier configuration made it.</summary>
    public static string Removal() => $"table ip {TableName}\ndelete table ip {TableName}\n";

    /// <summary>Runs <paramref name="script"/> through `nft -f` (written next to the control socket, 0600).</summary>
    /// <exception cref="IOException">nft is missing or refused the script.</exception>
    public static void Apply(string script, string runtimeDirectory)
    {
        string path = Path.Combine(runtimeDirectory, "breakout.nft");
        Common.AtomicFile.WriteAllText(path, script);
        int status = ChildProcess.Run("nft", ["-f", path]);
        if (status != 0) throw new IOException($"nft -f {path} exited with {status}");
    }
}

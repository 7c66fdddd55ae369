using System.Text.Json;

namespace Appliance.Integration.Tests.Harness;

/// <summary>What /proc says about the running service (resident memory, CPU time) and its IKE gauges and counters.</summary>
public static class ServiceProcess
{
    /// <summary>The service's PID: `ip netns exec` execs the binary, so it is the process with the test's config file.</summary>
    public static int Pid(ApplianceProcess box) =>
        int.Parse(Shell.Run("pgrep", "-f", "-o", box.ConfigFile).StdOut.Trim().Split('\n')[0]);

    /// <summary>VmRSS in KiB.</summary>
    public static long RssKiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        throw new InvalidOperationException($"no VmRSS for {pid}");
    }

    /// <summary>User + system CPU time of the whole process.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the command name, in clock ticks (100 Hz).
        return TimeSpan.FromMilliseconds((long.Parse(f[11]) + long.Parse(f[12])) * 10);
    }

    public static long Ike(JsonDocument status, string name) =>
        status.RootElement.GetProperty("ike").TryGetProperty(name, out var v) ? v.GetInt64() : 0;

    /// <summary>
    /// UDP datagrams the kernel of namespace <paramref name="ns"/> dropped because a socket's receive buffer was full
    /// (RcvbufErrors in /proc/net/snmp): lost before the service could read, hence count, them.
    /// </summary>
    public static long UdpReceiveBufferErrors(string ns)
    {
        string[] lines = Netns.Exec(ns, "cat", "/proc/net/snmp").Split('\n');
        string[] names = lines.First(l => l.StartsWith("Udp: InDatagrams", StringComparison.Ordinal)).Split(' ');
        string[] values = lines.First(l => l.StartsWith("Udp: ", StringComparison.Ordinal) && char.IsDigit(l[5])).Split(' ');
        return long.Parse(values[Array.IndexOf(names, "RcvbufErrors")]);
    }

    public static int LogLines(ApplianceProcess box) => box.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}

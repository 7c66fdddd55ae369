namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// A set of network namespaces joined by veth pairs, torn down on dispose. Names carry a random
/// prefix so parallel runs and leftovers of a killed run never collide.
/// </summary>
public sealed class Netns : IDisposable
{
    private readonly List<string> _namespaces = [];
    private static int _counter;

    /// <param name="owner">Start of every name (e.g. "ln-" for the LAN services' tests), so a test's leftovers say whose they are.</param>
    public Netns(string owner = "at")
    {
        Prefix = $"{owner}{Environment.ProcessId % 10000}x{Interlocked.Increment(ref _counter)}";
    }

    public string Prefix { get; }

    /// <summary>Creates a namespace with loopback up; returns its full name.</summary>
    public string Add(string name)
    {
        string full = $"{Prefix}-{name}";
        Shell.Check("ip", "netns", "add", full);
        _namespaces.Add(full);
        Shell.Check("ip", "-n", full, "link", "set", "lo", "up");
        return full;
    }

    /// <summary>Connects two namespaces with a veth pair and gives each end an address (CIDR).</summary>
    public void Link(string nsA, string ifA, string cidrA, string nsB, string ifB, string cidrB)
    {
        Link(nsA, ifA, nsB, ifB, up: false);
        Shell.Check("ip", "-n", nsA, "addr", "add", cidrA, "dev", ifA);
        Shell.Check("ip", "-n", nsB, "addr", "add", cidrB, "dev", ifB);
        Shell.Check("ip", "-n", nsA, "link", "set", ifA, "up");
        Shell.Check("ip", "-n", nsB, "link", "set", ifB, "up");
    }

    /// <summary>A veth pair without addresses (a switch port, or a host that gets its address by DHCP).</summary>
    public void Link(string nsA, string ifA, string nsB, string ifB, bool up = true)
    {
        // Temporary names in the root namespace must be unique and at most 15 characters.
        int n = Interlocked.Increment(ref _counter);
        string tmpA = $"v{Environment.ProcessId % 100000}n{n}a", tmpB = $"v{Environment.ProcessId % 100000}n{n}b";
        Shell.Check("ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB);
        Shell.Check("ip", "link", "set", tmpA, "netns", nsA);
        Shell.Check("ip", "link", "set", tmpB, "netns", nsB);
        Shell.Check("ip", "-n", nsA, "link", "set", tmpA, "name", ifA);
        Shell.Check("ip", "-n", nsB, "link", "set", tmpB, "name", ifB);
        if (!up) return;
        Shell.Check("ip", "-n", nsA, "link", "set", ifA, "up");
        Shell.Check("ip", "-n", nsB, "link", "set", ifB, "up");
    }

    public static string Exec(string ns, params string[] command) =>
        Shell.Check("ip", ["netns", "exec", ns, .. command]);

    public static Shell.Result Try(string ns, params string[] command) =>
        Shell.Run("ip", ["netns", "exec", ns, .. command], TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        foreach (string ns in _namespaces)
        {
            // Kill whatever still runs inside before deleting, so no process outlives the test.
            var pids = Shell.Run("ip", "netns", "pids", ns).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (string pid in pids) Shell.Run("kill", "-9", pid.Trim());
            Shell.Run("ip", "netns", "del", ns);
        }
    }
}

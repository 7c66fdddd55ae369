namespace Appliance.Integration.Tests.Harness;

/// <summary>dnsmasq as a plain resolver in a namespace, serving fixed host records (TTL 300 unless given) and logging every query.</summary>
public sealed class Dnsmasq : IDisposable
{
    private readonly BackgroundProcess _process;

    public Dnsmasq(string ns, string listen, params (string Name, string Address)[] records) : this(ns, listen, 300, records) { }

    /// <param name="ttl">The TTL of every record served.</param>
    public Dnsmasq(string ns, string listen, int ttl, params (string Name, string Address)[] records)
    {
        string[] hostRecords = [.. records.Select(r => $"--host-record={r.Name},{r.Address}")];
        _process = new BackgroundProcess("ip", ["netns", "exec", ns, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
            "--bind-interfaces", $"--listen-address={listen}", $"--local-ttl={ttl}", "--log-queries", "--log-facility=-",
            "--pid-file=", "--user=root", "--group=root", .. hostRecords]);
        _process.WaitFor("started", TimeSpan.FromSeconds(10));
    }

    /// <summary>What dnsmasq logged: one "query[A] NAME from ADDRESS" line per query it received.</summary>
    public string Log => _process.Output;

    public void Dispose() => _process.Dispose();
}

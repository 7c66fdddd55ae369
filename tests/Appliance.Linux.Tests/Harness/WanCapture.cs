using System.Diagnostics;

namespace Appliance.Linux.Tests.Harness;

/// <summary>tcpdump on a namespace's interface into a pcap file; afterwards, counts packets matching filters.</summary>
internal sealed class WanCapture : IDisposable
{
    private readonly Process _process;

    public WanCapture(string ns, string device)
    {
        File = Path.Combine(Path.GetTempPath(), $"dp-{Guid.NewGuid():N}.pcap");
        var psi = new ProcessStartInfo("ip", ["netns", "exec", ns, "tcpdump", "--immediate-mode", "-i", device, "-nn", "-U", "-s", "256", "-w", File])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(psi)!;
        // tcpdump says "listening on" once the capture is armed.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            string? line = _process.StandardError.ReadLine();
            if (line == null || line.Contains("listening on")) break;
        }
        _process.StandardError.ReadToEndAsync();
    }

    public string File { get; }

    /// <summary>Stops the capture (flushes the file).</summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        Thread.Sleep(300);
        NetNs.Sh($"kill -INT {_process.Id}");
        if (!_process.WaitForExit(5000)) _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>How many captured packets match a tcpdump filter expression.</summary>
    public int Count(string filter)
    {
        Stop();
        var (_, output) = NetNs.Sh($"tcpdump -nn -r {File} '{filter}' 2>/dev/null");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    public string Dump(string filter = "")
    {
        Stop();
        return NetNs.Sh($"tcpdump -nn -v -r {File} {(filter.Length > 0 ? $"'{filter}'" : "")} 2>/dev/null").Output;
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        try { System.IO.File.Delete(File); } catch (IOException) { }
    }
}

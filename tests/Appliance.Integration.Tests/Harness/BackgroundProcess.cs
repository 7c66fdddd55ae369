using System.Diagnostics;

namespace Appliance.Integration.Tests.Harness;

/// <summary>A helper process (tcpdump, iperf3 server) that runs until stopped with SIGINT, so it flushes.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public BackgroundProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until the process printed <paramref name="text"/> (tcpdump: "listening on"), so nothing is missed.</summary>
    public void WaitFor(string text, TimeSpan timeout)
    {
        if (!Shell.WaitUntil(() => { lock (_output) return _output.ToString().Contains(text); }, timeout, TimeSpan.FromMilliseconds(50)))
            throw new TimeoutException($"'{text}' not seen: {_output}");
    }

    /// <summary>Everything the process printed so far (stdout and stderr).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts tcpdump in a namespace and returns once it is capturing.</summary>
    public static BackgroundProcess Tcpdump(string ns, string device, string file, params string[] filter)
    {
        // --immediate-mode: without it libpcap hands packets over in ring blocks retired after up to 1 s, and the
        // block still open when SIGINT arrives is lost - the last second of traffic (the pings) went missing under load.
        var p = new BackgroundProcess("ip", ["netns", "exec", ns, "tcpdump", "--immediate-mode", "-i", device, "-U", "-w", file, .. filter]);
        p.WaitFor("listening on", TimeSpan.FromSeconds(15));
        return p;
    }

    /// <summary>The process's ID (`ip netns exec` execs its command, so this is the command itself).</summary>
    public int Id => _process.Id;

    public void Stop()
    {
        if (_process.HasExited) return;
        // `ip netns exec` execs its command, so this PID is tcpdump itself.
        Shell.Run("kill", "-INT", _process.Id.ToString());
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}

using System.Diagnostics;

namespace Appliance.Integration.Tests.Harness;

/// <summary>A helper process (tcpdump, iperf3 server) that runs until stopped with SIGINT, so it flushes.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;

    public BackgroundProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

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

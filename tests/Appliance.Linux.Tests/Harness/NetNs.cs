using System.Diagnostics;
using Appliance.Linux.Native;

namespace Appliance.Linux.Tests.Harness;

/// <summary>Runs code inside a named network namespace and shell commands for the topology.</summary>
internal static class NetNs
{
    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that joined namespace <paramref name="ns"/>
    /// (setns(2) changes only the calling thread). Sockets it opens stay in that namespace.
    /// </summary>
    public static T Run<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Libc.open("/run/netns/" + ns, 0x80000 /* O_RDONLY | O_CLOEXEC */);
                if (fd < 0) throw new IOException($"open netns {ns}: errno {Libc.Errno}");
                int rc = Libc.setns(fd, Libc.CLONE_NEWNET);
                Libc.close(fd);
                if (rc < 0) throw new IOException($"setns {ns}: errno {Libc.Errno}");
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error != null) throw new InvalidOperationException($"in namespace {ns}: {error.Message}", error);
        return result;
    }

    public static void Run(string ns, Action action) => Run(ns, () => { action(); return 0; });

    /// <summary>Runs a shell command; returns exit code and combined output.</summary>
    public static (int Exit, string Output) Sh(string command, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"timed out: {command}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a shell command that must succeed.</summary>
    public static string ShOk(string command, int timeoutMs = 60_000)
    {
        var (exit, output) = Sh(command, timeoutMs);
        if (exit != 0) throw new InvalidOperationException($"`{command}` exited {exit}: {output}");
        return output;
    }
}

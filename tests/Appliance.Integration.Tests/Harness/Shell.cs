using System.Diagnostics;

namespace Appliance.Integration.Tests.Harness;

/// <summary>Runs system tools (ip, swanctl, tshark) and fails the test with their output when they fail.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string All => StdOut + StdErr;
    }

    public static Result Run(string file, params string[] args) => Run(file, args, TimeSpan.FromSeconds(60));

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin is not null)
        {
            // A program that refuses early (a damaged file, a usage error) may exit before it reads its input: the broken
            // pipe is not the test's verdict, its exit code and output are.
            try { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
            catch (IOException) { }
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and requires exit code 0.</summary>
    public static string Check(string file, params string[] args)
    {
        var r = Run(file, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.StdOut;
    }

    /// <summary>Polls until the condition holds or the time is up; returns whether it held.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(interval ?? TimeSpan.FromMilliseconds(200));
        }
        return condition();
    }
}

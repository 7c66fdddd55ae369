using System.Diagnostics;

namespace Appliance.Image.Tests.Support;

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

public static class Tools
{
    public static ToolResult Run(string file, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // Plain output: no pager, colours or emoji decorations in what the tests parse.
        psi.Environment["SYSTEMD_PAGER"] = "";
        psi.Environment["SYSTEMD_COLORS"] = "0";
        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {limit}");
        }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The absolute path of a program on PATH, or a failure naming the package that provides it.</summary>
    public static string Require(string program, string debianPackage)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"{program} is not installed: tools/install-deps.sh installs the Debian package {debianPackage}");
        return "";
    }
}

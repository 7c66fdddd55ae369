using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// The published NativeAOT binary (APPLIANCE_BIN, built by `make aot`) running `appliance run` inside a
/// namespace with a configuration the test writes. The shipped artifact is what gets tested.
/// </summary>
public sealed class ApplianceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public static string Binary
    {
        get
        {
            string? bin = Environment.GetEnvironmentVariable("APPLIANCE_BIN");
            if (string.IsNullOrEmpty(bin))
            {
                // Walk up to the repository root and use the default publish folder.
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Appliance.sln"))) dir = dir.Parent;
                bin = dir is null ? "" : Path.Combine(dir.FullName, "out", "linux-x64", "appliance");
            }
            if (!File.Exists(bin))
                throw new InvalidOperationException($"the published binary '{bin}' is missing: run `make aot ARCH=x64` (make test does)");
            return bin;
        }
    }

    public ApplianceProcess(string ns, string applianceSectionJson, params string[] extraArgs)
        : this(ns, applianceSectionJson, new Dictionary<string, string>(), extraArgs)
    {
    }

    /// <param name="environment">Variables set for the process on top of the test's own (e.g. NOTIFY_SOCKET as systemd sets it).</param>
    public ApplianceProcess(string ns, string applianceSectionJson, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        Namespace = ns;
        Directory = System.IO.Directory.CreateTempSubdirectory("appliance-box-").FullName;
        StateDirectory = Path.Combine(Directory, "state");
        ControlSocket = Path.Combine(Directory, "control.sock");
        ConfigFile = Path.Combine(Directory, "appliance.json");
        File.WriteAllText(ConfigFile, "{ \"Appliance\": " + applianceSectionJson + " }");
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        foreach (string a in (string[])["netns", "exec", ns, Binary, "run", "--config", ConfigFile,
                     $"--Appliance:StateDirectory={StateDirectory}", $"--Appliance:ControlSocket={ControlSocket}", .. extraArgs])
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Namespace { get; }
    public string Directory { get; }
    public string StateDirectory { get; }
    public string ControlSocket { get; }
    public string ConfigFile { get; }
    public Process Process => _process;
    public string Log { get { lock (_log) return _log.ToString(); } }

    public bool WaitForControlSocket(TimeSpan timeout) =>
        Shell.WaitUntil(() => File.Exists(ControlSocket) || _process.HasExited, timeout) && !_process.HasExited;

    public string Request(string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(ControlSocket));
        socket.Send(Encoding.UTF8.GetBytes(request + "\n"));
        using var ms = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = socket.Receive(buffer)) > 0) ms.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public JsonDocument Status() => JsonDocument.Parse(Request("status"));

    /// <summary>Runs `appliance status` (the CLI, not the raw socket) and returns its output.</summary>
    public string StatusText(bool json = false) =>
        Shell.Check(Binary, json ? ["status", "--json", "--socket", ControlSocket] : ["status", "--socket", ControlSocket]);

    /// <summary>SIGTERM and wait: the graceful stop path (DELETE sent, exit 0).</summary>
    public int Stop(TimeSpan timeout)
    {
        var pids = Shell.Run("pgrep", "-f", ConfigFile).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string pid in pids) Shell.Run("kill", "-TERM", pid.Trim());
        if (!_process.WaitForExit(timeout)) throw new TimeoutException("appliance did not stop on SIGTERM:\n" + Log);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Kill()
    {
        var pids = Shell.Run("pgrep", "-f", ConfigFile).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string pid in pids) Shell.Run("kill", "-KILL", pid.Trim());
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

using System.Diagnostics;

namespace Appliance.Provisioning.Tests;

/// <summary>
/// Two linked pseudo-terminals made by socat (raw, no echo): a null-modem cable between the box and
/// the station. socat survives either end being closed and reopened, like a cable being replugged.
/// </summary>
internal sealed class PtyPair : IDisposable
{
    private readonly Process _socat;
    private readonly string _directory;

    /// <param name="directory">Reuse the link paths of an earlier pair (a USB adapter plugged back in).</param>
    public PtyPair(string? directory = null)
    {
        _directory = directory ?? System.IO.Directory.CreateTempSubdirectory("prv-pty-").FullName;
        BoxPath = Path.Combine(_directory, "box");
        StationPath = Path.Combine(_directory, "station");
        var info = new ProcessStartInfo("socat") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-d", "-d", $"pty,raw,echo=0,link={BoxPath}", $"pty,raw,echo=0,link={StationPath}"])
            info.ArgumentList.Add(arg);
        _socat = Process.Start(info) ?? throw new InvalidOperationException("socat did not start");
        _socat.ErrorDataReceived += (_, _) => { };
        _socat.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(File.Exists(BoxPath) && File.Exists(StationPath)))
        {
            if (DateTime.UtcNow > deadline || _socat.HasExited) throw new InvalidOperationException("socat made no ptys");
            Thread.Sleep(20);
        }
    }

    public string Directory => _directory;
    public string BoxPath { get; }
    public string StationPath { get; }

    /// <summary>Ends socat: both ptys vanish, as when a USB serial adapter is pulled.</summary>
    public void Unplug()
    {
        try { _socat.Kill(); _socat.WaitForExit(5000); } catch (InvalidOperationException) { }
        File.Delete(BoxPath);
        File.Delete(StationPath);
    }

    public void Dispose()
    {
        Unplug();
        _socat.Dispose();
        try { System.IO.Directory.Delete(_directory, true); } catch (IOException) { }
    }
}

using System.Net.Sockets;
using System.Text;

namespace Appliance.Vm.Tests.Harness;

/// <summary>
/// Runs shell scripts in the guest through tools/systest/guest-agent.sh on the virtio-serial port sy.agent,
/// which qemu exposes as a unix socket. Each request carries an id: answers to requests sent while the guest
/// was rebooting (queued, answered later) are recognised and dropped.
/// </summary>
public sealed class GuestAgent(string socketPath) : IDisposable
{
    private Socket? _socket;
    private StreamReader? _reader;
    private int _next;

    public sealed record Result(int ExitCode, string Output);

    /// <summary>Runs <paramref name="script"/> with bash in the guest (root); the script must end within the timeout.</summary>
    public Result Run(string script, TimeSpan timeout)
    {
        string id = $"r{Interlocked.Increment(ref _next)}";
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            Connect();
            _socket!.Send(Encoding.ASCII.GetBytes($"{id} {Convert.ToBase64String(Encoding.UTF8.GetBytes(script))}\n"));
            while (true)
            {
                string? line = _reader!.ReadLineAsync(cts.Token).AsTask().GetAwaiter().GetResult()
                    ?? throw new IOException("guest agent closed the connection");
                string[] parts = line.Split(' ');
                if (parts.Length != 3 || parts[0] != id) continue; // a stale answer from before a reboot
                return new Result(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
                    Encoding.UTF8.GetString(Convert.FromBase64String(parts[2])));
            }
        }
        catch (OperationCanceledException)
        {
            Disconnect();
            throw new TimeoutException($"guest did not answer within {timeout}: {script}");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            Disconnect();
            throw new IOException($"guest agent: {e.Message}", e);
        }
    }

    /// <summary>Runs and requires exit status 0; returns the output.</summary>
    public string Check(string script, TimeSpan? timeout = null)
    {
        var r = Run(script, timeout ?? TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0) throw new InvalidOperationException($"guest: `{script}` failed ({r.ExitCode}):\n{r.Output}");
        return r.Output;
    }

    /// <summary>Waits until the agent answers (the guest finished enough of its boot to run sy-agent.service).</summary>
    public void WaitReady(TimeSpan timeout)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Exception? last = null;
        while (sw.Elapsed < timeout)
        {
            try
            {
                if (Run("true", TimeSpan.FromSeconds(10)).ExitCode == 0) return;
            }
            catch (Exception e) when (e is TimeoutException or IOException) { last = e; Thread.Sleep(1000); }
        }
        throw new TimeoutException($"the guest agent did not answer within {timeout}: {last?.Message}");
    }

    private void Connect()
    {
        if (_socket is not null) return;
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { s.Connect(new UnixDomainSocketEndPoint(socketPath)); }
        catch { s.Dispose(); throw; }
        _socket = s;
        _reader = new StreamReader(new NetworkStream(s, ownsSocket: false), Encoding.ASCII);
    }

    private void Disconnect()
    {
        _reader?.Dispose();
        _socket?.Dispose();
        _reader = null;
        _socket = null;
    }

    public void Dispose() => Disconnect();
}

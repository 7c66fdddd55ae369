using System.Text;
using System.Threading.Channels;

namespace Appliance.Provisioning;

/// <summary>One status line and the data lines before it.</summary>
public sealed record StationReply(bool Ok, int Code, string Text, IReadOnlyList<string> Data)
{
    public static StationReply Parse(string status, IReadOnlyList<string> data)
    {
        if (status == "OK") return new(true, 0, "", data);
        if (status.StartsWith("OK ", StringComparison.Ordinal)) return new(true, 0, status[3..], data);
        // "ERR <code> <message>"
        string rest = status[4..];
        int space = rest.IndexOf(' ');
        string codeText = space < 0 ? rest : rest[..space];
        int code = int.TryParse(codeText, out int c) ? c : 0;
        return new(false, code, space < 0 ? "" : rest[(space + 1)..], data);
    }

    public override string ToString() => Ok ? "OK " + Text : $"ERR {Code} {Text}";
}

/// <summary>Thrown when the box does not answer in time or the port closed.</summary>
public sealed class StationLinkException(string message) : Exception(message);

/// <summary>
/// The factory PC's end of the line protocol: writes commands, collects data lines until the status
/// line. Noise and lines that are not replies to us (banners, stale answers) are skipped on sync.
/// </summary>
internal sealed class StationLink : IAsyncDisposable
{
    private readonly Stream _port;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public StationLink(Stream port)
    {
        _port = port;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>
    /// Brings the box to a known state: an empty line ends any partial line, HELLO (never valid PEM
    /// body) ends a PEM block a previous run left open; everything before the banner reply is dropped.
    /// </summary>
    public async Task<string> SyncAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // HELLO is repeated: a box still booting (or reopening its port) discards what came before.
        TimeSpan retry = TimeSpan.FromSeconds(2);
        DateTime deadline = DateTime.UtcNow + timeout;
        string expected = "OK " + ProtocolReplies.BannerName + " ";
        while (true)
        {
            while (_lines.Reader.TryRead(out _)) { }
            await WriteLinesAsync(["", "HELLO"], cancellationToken).ConfigureAwait(false);
            DateTime attemptEnd = DateTime.UtcNow + retry;
            try
            {
                while (true)
                {
                    TimeSpan left = (attemptEnd < deadline ? attemptEnd : deadline) - DateTime.UtcNow;
                    string line = await ReadLineAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
                    if (line.StartsWith(expected, StringComparison.Ordinal)) return line[3..];
                }
            }
            catch (StationLinkException) when (DateTime.UtcNow < deadline && !_lines.Reader.Completion.IsCompleted)
            {
                // no banner yet: ask again
            }
            catch (StationLinkException)
            {
                throw new StationLinkException($"no answer within {timeout.TotalSeconds:0} s");
            }
        }
    }

    public async Task<StationReply> CommandAsync(string command, TimeSpan timeout, CancellationToken cancellationToken,
        IReadOnlyList<string>? followingLines = null)
    {
        var lines = new List<string> { command };
        if (followingLines is not null) lines.AddRange(followingLines);
        await WriteLinesAsync(lines, cancellationToken).ConfigureAwait(false);
        var data = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync(timeout, cancellationToken).ConfigureAwait(false);
            if (ProtocolReplies.IsStatusLine(line)) return StationReply.Parse(line, data);
            data.Add(line);
        }
    }

    private async Task WriteLinesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (string line in lines) text.Append(line).Append('\n');
        try
        {
            await _port.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
            await _port.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new StationLinkException("port write failed: " + e.Message);
        }
    }

    private async Task<string> ReadLineAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StationLinkException($"no answer within {timeout.TotalSeconds:0} s");
        }
        catch (ChannelClosedException)
        {
            throw new StationLinkException("port closed");
        }
    }

    private async Task PumpAsync()
    {
        var assembler = new LineAssembler(ProvisioningTransport.DefaultMaxLineLength * 4);
        var events = new List<LineEvent>();
        byte[] buffer = new byte[1024];
        try
        {
            while (true)
            {
                int read = await _port.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (read == 0) break;
                assembler.Push(buffer.AsSpan(0, read), events);
                foreach (LineEvent e in events)
                    if (e.Fault == LineFault.None && e.Line.Length > 0) _lines.Writer.TryWrite(e.Line);
                events.Clear();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
        _lines.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        // A read on a tty may ignore cancellation; the caller owns and closes the port, which ends it.
        await Task.WhenAny(_pump, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _stop.Dispose();
    }
}

using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Appliance.Provisioning;

/// <summary>
/// Runs a <see cref="ProvisioningSession"/> over a byte stream: the serial port's BaseStream on the
/// box, a pseudo-terminal in tests. A reader task cuts bytes into lines; the loop answers them one at
/// a time and polls the session once a second so a stalled PEM block times out.
/// </summary>
public sealed class ProvisioningTransport
{
    public const int DefaultMaxLineLength = 1024;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ProvisioningSession _session;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxLineLength;

    public ProvisioningTransport(ProvisioningSession session, TimeProvider time, ILogger logger, int maxLineLength = DefaultMaxLineLength)
    {
        _session = session;
        _time = time;
        _logger = logger;
        _maxLineLength = maxLineLength;
    }

    /// <summary>
    /// Serves the stream until it ends or fails (cable gone, port closed) or cancellation. Returns
    /// normally on end of stream so the caller can reopen the port; the session keeps its staged changes.
    /// </summary>
    public async Task RunAsync(Stream stream, CancellationToken cancellationToken)
    {
        var lines = Channel.CreateBounded<LineEvent>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task reader = Task.Run(() => ReadLinesAsync(stream, lines.Writer, stop.Token), CancellationToken.None);
        try
        {
            await WriteAsync(stream, _session.Connect(), stop.Token).ConfigureAwait(false);
            Task<bool>? ready = null;
            while (true)
            {
                // One outstanding wait at a time; a tick that wins leaves it pending for the next round.
                ready ??= lines.Reader.WaitToReadAsync(stop.Token).AsTask();
                Task tick = Task.Delay(PollInterval, _time, stop.Token);
                if (await Task.WhenAny(ready, tick).ConfigureAwait(false) == tick)
                {
                    await WriteAsync(stream, _session.Poll(), stop.Token).ConfigureAwait(false);
                    continue;
                }
                bool more = await ready.ConfigureAwait(false);
                ready = null;
                if (!more) break; // end of stream
                while (lines.Reader.TryRead(out LineEvent line))
                {
                    IReadOnlyList<string> reply = await _session.HandleAsync(line, stop.Token).ConfigureAwait(false);
                    await WriteAsync(stream, reply, stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ChannelClosedException)
        {
            _logger.LogWarning("Provisioning link failed: {Type}: {Message}", e.GetType().Name, e.Message);
        }
        finally
        {
            _session.Disconnect();
            stop.Cancel();
            try { await reader.ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ReadLinesAsync(Stream stream, ChannelWriter<LineEvent> writer, CancellationToken cancellationToken)
    {
        var assembler = new LineAssembler(_maxLineLength);
        var events = new List<LineEvent>();
        byte[] buffer = new byte[512];
        Exception? failure = null;
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                assembler.Push(buffer.AsSpan(0, read), events);
                foreach (LineEvent line in events) await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                events.Clear();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            failure = e is OperationCanceledException ? null : e;
        }
        writer.TryComplete(failure);
    }

    private static async Task WriteAsync(Stream stream, IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0) return;
        var text = new StringBuilder();
        // CRLF so a terminal program shows each reply on its own line; scripts strip the CR.
        foreach (string line in lines) text.Append(line).Append("\r\n");
        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

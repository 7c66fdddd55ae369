using System.Text;
using Microsoft.Extensions.Logging;

namespace Appliance.Logging;

/// <summary>
/// One line per log entry on standard output. Replaces Microsoft.Extensions.Logging.Console (issue 19: the
/// console logger with its formatter, options binding and queue thread was ~130 KB of the binary for two
/// fixed formats). Under systemd a line starts with the sd-daemon(3) priority prefix ("&lt;6&gt;") and carries no
/// timestamp (journald adds its own and files the priority, so `journalctl -p err` works); started by hand
/// it reads "13:02:11.123 info: Category[id] message" in UTC. Multi-line messages and exceptions are folded
/// into the line so a reader never sees half an entry. Level filtering stays with the logging framework
/// (Logging:LogLevel in the configuration).
/// </summary>
public sealed class LineLoggerProvider(TextWriter output, bool systemd, TimeProvider clock) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate) output.Flush();
    }

    internal void Write(LogLevel level, string category, EventId id, string message, Exception? exception)
    {
        var line = new StringBuilder(message.Length + category.Length + 32);
        if (systemd)
            line.Append('<').Append(SyslogPriority(level)).Append('>');
        else
            line.Append(clock.GetUtcNow().ToString("HH:mm:ss.fff ", System.Globalization.CultureInfo.InvariantCulture))
                .Append(ShortName(level)).Append(": ");
        line.Append(category).Append('[').Append(id.Id).Append("] ");
        AppendFolded(line, message);
        if (exception is not null)
        {
            line.Append(' ');
            AppendFolded(line, exception.ToString());
        }
        lock (_gate)
        {
            output.WriteLine(line.ToString());
            output.Flush();
        }
    }

    private static void AppendFolded(StringBuilder line, string text)
    {
        foreach (char c in text)
            line.Append(c is '\n' ? ' ' : c is '\r' ? ' ' : c);
    }

    /// <summary>syslog(3) priorities as systemd's console formatter maps them.</summary>
    internal static int SyslogPriority(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 7,
        LogLevel.Information => 6,
        LogLevel.Warning => 4,
        LogLevel.Error => 3,
        LogLevel.Critical => 2,
        _ => 6,
    };

    internal static string ShortName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            provider.Write(logLevel, category, eventId, formatter(state, exception), exception);
        }
    }
}

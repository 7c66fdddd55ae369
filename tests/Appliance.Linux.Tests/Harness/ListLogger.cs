using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux.Tests.Harness;

/// <summary>Keeps every formatted message (with its level) so a test can assert what the data plane logged.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue((logLevel, formatter(state, exception)));

    public override string ToString() => string.Join("\n", Messages.Select(m => $"{m.Level}: {m.Message}"));
}

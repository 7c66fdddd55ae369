using Appliance.Common;
using Appliance.Ike;
using Microsoft.Extensions.Logging;

namespace Appliance.Integration.Tests;

/// <summary>The service's view of the users (in process): configuration first, users.json re-read when it changes.</summary>
public sealed class UserDirectoryTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("appliance-users-").FullName;
    private readonly ListLogger _log = new();

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }

    private UserStoreFile File_ => UserStoreFile.In(new StateLayout(_state));

    private UserDirectory Directory_()
    {
        var configured = new EapUserStore();
        configured.AddPassword("alice", "configured");
        return new UserDirectory(configured, ["alice"], File_, _log);
    }

    [Fact]
    public void Users_json_changes_apply_at_the_next_lookup_and_the_configuration_wins_a_clash()
    {
        UserDirectory users = Directory_();
        Assert.Null(users.NtHash("bob"));
        Assert.Equal(1, users.Count);

        File_.Add("bob", EapUserStore.NtPasswordHash("clientPass"));
        Assert.Equal(Convert.FromHexString("44EBBA8D5312B8D611474411F56989AE"), users.NtHash("BOB"));
        Assert.Equal(2, users.Count);

        // Written behind the CLI's back (the CLI refuses it): the configuration's alice still applies, and it is said.
        File_.Add("alice", EapUserStore.NtPasswordHash("from the file"));
        Assert.Equal(EapUserStore.NtPasswordHash("configured"), users.NtHash("alice"));
        Assert.Equal(2, users.Count);
        Assert.Contains(_log.Lines, l => l.Contains("'alice' is in both Appliance:Users and", StringComparison.Ordinal));

        File_.Remove("bob");
        Assert.Null(users.NtHash("bob"));
    }

    [Fact]
    public void A_damaged_file_keeps_the_last_good_list_and_is_logged_as_an_error()
    {
        File_.Add("bob", EapUserStore.NtPasswordHash("clientPass"));
        UserDirectory users = Directory_();
        Assert.NotNull(users.NtHash("bob"));
        File.WriteAllText(File_.Path, "{ \"version\": 1, \"users\": { \"bob\": 42 ");
        Assert.NotNull(users.NtHash("bob"));
        Assert.Contains(_log.Lines, l => l.StartsWith("Error: remote-access users not reloaded", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("44EBBA8D", StringComparison.OrdinalIgnoreCase));
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];
        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }
}

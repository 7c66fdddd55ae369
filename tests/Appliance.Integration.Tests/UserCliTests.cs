using Appliance.Integration.Tests.Harness;

namespace Appliance.Integration.Tests;

/// <summary>`appliance user add|del|list` of the published binary (issue #15 item 5): users.json in the configured state directory.</summary>
public sealed class UserCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("appliance-user-").FullName;
    private string State => Path.Combine(_dir, "state");
    private string UsersFile => Path.Combine(State, "users.json");

    private string Config()
    {
        string path = Path.Combine(_dir, "appliance.json");
        File.WriteAllText(path, $$"""
            { "Appliance": { "Board": "simulated", "StateDirectory": "{{State}}",
              "Users": { "alice": { "Password": "alice's configured secret" } } } }
            """);
        return path;
    }

    private Shell.Result User(string? stdin, params string[] args) =>
        Shell.Run(ApplianceProcess.Binary, ["user", .. args, "--config", Config()], TimeSpan.FromSeconds(30), stdin);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Add_from_stdin_list_and_del_keep_only_the_NT_hash_in_a_0600_file()
    {
        Shell.Result add = User("clientPass\n", "add", "bob");
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Equal($"user bob added to {UsersFile}\n", add.StdOut);
        // RFC 2759 §9.2: the NT hash of "clientPass".
        string text = File.ReadAllText(UsersFile);
        Assert.Contains("\"ntHash\": \"44EBBA8D5312B8D611474411F56989AE\"", text);
        Assert.DoesNotContain("clientPass", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(UsersFile));

        Shell.Result again = User("another one\r\n", "add", "BOB");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("user BOB: password changed", again.StdOut);

        Shell.Result list = User(null, "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"(?m)^alice\s+configuration$", list.StdOut);
        Assert.Matches(@"(?m)^BOB\s+users\.json$", list.StdOut);

        Assert.Equal(0, User(null, "del", "bob").ExitCode);
        Shell.Result gone = User(null, "del", "bob");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("no user 'bob'", gone.StdErr);
        Assert.DoesNotMatch("(?m)^BOB", User(null, "list").StdOut);
    }

    [Theory]
    [InlineData("eve smith", "is not a user name: 1-64 letters, digits and . _ @ -")]
    [InlineData("eve/../x", "is not a user name")]
    [InlineData("alice", "'alice' is set in the configuration (Appliance:Users:alice); change or remove it there")]
    public void A_bad_or_configured_name_is_refused_before_a_password_is_read(string name, string message)
    {
        Shell.Result r = User("pw\n", "add", name);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.StdErr);
        Assert.False(File.Exists(UsersFile));
    }

    [Theory]
    [InlineData("", "no password on standard input")]
    [InlineData("\n", "the password is empty")]
    public void No_or_an_empty_password_changes_nothing(string stdin, string message)
    {
        Shell.Result r = User(stdin, "add", "carol");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.StdErr);
        Assert.False(File.Exists(UsersFile));
    }

    [Fact]
    public void A_password_on_the_command_line_is_a_usage_error()
    {
        Shell.Result r = User(null, "add", "carol", "s3cret");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usage: appliance user add NAME", r.StdErr);
        Assert.False(File.Exists(UsersFile));
    }

    [Fact]
    public void A_damaged_users_json_is_named_and_left_as_it_was()
    {
        Directory.CreateDirectory(State);
        File.WriteAllText(UsersFile, "{ \"version\": 1, \"users\": { \"dave\": { \"ntHash\": \"12\" } } }");
        Shell.Result add = User("pw\n", "add", "carol");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains($"{UsersFile}: users.dave.ntHash: must be 32 hex digits", add.StdErr);
        Shell.Result list = User(null, "list");
        Assert.Equal(1, list.ExitCode);
        Assert.Equal("{ \"version\": 1, \"users\": { \"dave\": { \"ntHash\": \"12\" } } }", File.ReadAllText(UsersFile));
    }
}

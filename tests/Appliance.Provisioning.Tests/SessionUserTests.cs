using Appliance.Common;

namespace Appliance.Provisioning.Tests;

/// <summary>USER ADD|DEL|LIST over the console (issue #15 item 5): the password is write-only, never echoed or logged.</summary>
public sealed class SessionUserTests : IDisposable
{
    private readonly TestBox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public async Task Add_list_and_delete_write_users_json_with_the_hash_and_never_show_the_password()
    {
        var session = _box.NewSession();
        Assert.Equal("OK user alice added", await session.SendAsync("USER ADD alice correct horse battery staple"));
        Assert.Equal("OK user bob added", await session.SendAsync("user add bob s3cret-b0b"));
        Assert.Equal("OK user Alice password changed", await session.SendAsync("USER ADD Alice another passphrase"));

        IReadOnlyList<string> list = await session.HandleLineAsync("USER LIST");
        Assert.Equal(["user: Alice", "user: bob", "OK USER 2 user(s)"], list);

        Dictionary<string, byte[]> stored = UserStoreFile.In(_box.Layout).Read();
        Assert.Equal(TestBox.FakeNtHash("another passphrase"), stored["alice"]);
        string file = File.ReadAllText(_box.Layout.Users);
        Assert.DoesNotContain("passphrase", file);
        Assert.DoesNotContain("s3cret", file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_box.Layout.Users));

        Assert.Equal("OK user bob deleted", await session.SendAsync("USER DEL bob"));
        Assert.Equal("ERR 404 no user bob", await session.SendAsync("USER DEL bob"));
        _box.Logger.AssertNoneContains("passphrase");
        _box.Logger.AssertNoneContains("horse");
        _box.Logger.AssertNoneContains("s3cret");
        Assert.Contains(_box.Logger.Lines, l => l.Contains("remote-access user alice added", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("USER ADD", "ERR 422 user names are 1-64 letters, digits and . _ @ -")]
    [InlineData("USER ADD eve", "ERR 400 USER ADD <name> <password>: the password (rest of the line) is 1-256 characters")]
    [InlineData("USER ADD bad/name s3cretpw", "ERR 422 user names are 1-64 letters, digits and . _ @ -")]
    [InlineData("USER DEL bad/name", "ERR 422 user names are 1-64 letters, digits and . _ @ -")]
    [InlineData("USER", "ERR 400 usage: USER ADD <name> <password> | USER DEL <name> | USER LIST")]
    [InlineData("USER SHOW alice", "ERR 400 usage: USER ADD <name> <password> | USER DEL <name> | USER LIST")]
    public async Task Bad_requests_get_a_clear_error_and_echo_nothing_typed_after_the_name(string line, string expected)
    {
        var session = _box.NewSession();
        Assert.Equal(expected, await session.SendAsync(line));
        Assert.False(File.Exists(_box.Layout.Users));
        _box.Logger.AssertNoneContains("s3cretpw");
    }

    [Fact]
    public async Task A_password_of_257_characters_is_refused()
    {
        var session = _box.NewSession();
        Assert.StartsWith("ERR 400", await session.SendAsync("USER ADD eve " + new string('x', 257)));
    }

    [Fact]
    public async Task A_name_set_in_the_configuration_is_refused_there_the_configuration_wins()
    {
        var session = _box.NewSession();
        Assert.Equal("OK staged Appliance:Users:carol:Password", await session.SendAsync("SET Appliance:Users:carol:Password p4ssw0rd"));
        Assert.Equal("ERR 409 Carol is set in the configuration (Appliance:Users:Carol); change it there",
            await session.SendAsync("USER ADD Carol other-pw"));
        Assert.False(File.Exists(_box.Layout.Users));
    }

    [Fact]
    public async Task A_damaged_store_is_named_and_kept()
    {
        File.WriteAllText(_box.Layout.Users, "{ not json");
        var session = _box.NewSession();
        string reply = await session.SendAsync("USER ADD alice s3cretpw");
        Assert.StartsWith("ERR 409 " + _box.Layout.Users + ": not JSON", reply);
        Assert.DoesNotContain("s3cretpw", reply);
        Assert.Equal("{ not json", File.ReadAllText(_box.Layout.Users));
    }

    [Fact]
    public async Task A_locked_box_refuses_USER()
    {
        var session = _box.NewSession();
        Assert.Equal("OK locked", await session.SendAsync("LOCK"));
        Assert.Equal("ERR 423 locked", await session.SendAsync("USER ADD alice s3cretpw"));
    }

    [Fact]
    public async Task Without_a_store_USER_is_not_implemented()
    {
        var session = new ProvisioningSession(_box.Hardware, _box.Store, new ProvisioningSessionOptions { FirmwareVersion = "0.1.0" }, _box.Time,
            _box.Logger);
        Assert.Equal("ERR 501 this box keeps no user store", await session.SendAsync("USER LIST"));
    }
}

using Appliance.Common;

namespace Appliance.Provisioning.Tests;

/// <summary>users.json (issue #15 item 5): NT hashes only, 0600, atomic, strict, and a damaged file is never overwritten.</summary>
public sealed class UserStoreFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("users-").FullName;
    private static readonly byte[] HashA = Convert.FromHexString("8846F7EAEE8FB117AD06BDD830B7586C");
    private static readonly byte[] HashB = Convert.FromHexString("44EBBA8D5312B8D611474411F56989AE");

    private UserStoreFile Store => UserStoreFile.In(new StateLayout(_dir));

    public void Dispose()
    {
        AtomicFile.CrashPoint = null;
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Add_list_delete_round_trip_case_insensitive_and_the_file_is_0600_with_hashes_only()
    {
        Assert.Empty(Store.Read()); // no file yet: no users, not an error
        Assert.True(Store.Add("alice", HashA));
        Assert.True(Store.Add("bob@example.com", HashB));
        Assert.False(Store.Add("ALICE", HashB)); // a new password for the same user; the last spelling stays
        Dictionary<string, byte[]> users = Store.Read();
        Assert.Equal(2, users.Count);
        Assert.Equal(HashB, users["alice"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "users.json")));
        string text = File.ReadAllText(Path.Combine(_dir, "users.json"));
        Assert.Contains("\"ALICE\"", text);
        Assert.Contains(Convert.ToHexString(HashB), text);
        Assert.Contains("\"version\": 1", text);

        Assert.True(Store.Remove("Alice"));
        Assert.False(Store.Remove("alice"));
        Assert.Equal(["bob@example.com"], Store.Read().Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("eve smith")]
    [InlineData("eve\n")]
    [InlineData("dom\\eve")]
    [InlineData("eve;rm")]
    public void Bad_names_are_refused_with_the_rule(string name)
    {
        var e = Assert.Throws<UserStoreException>(() => Store.Add(name, HashA));
        Assert.Contains("1-64 letters, digits and . _ @ -", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "users.json")));
    }

    [Fact]
    public void A_name_of_65_characters_is_refused() =>
        Assert.Throws<UserStoreException>(() => Store.Add(new string('a', 65), HashA));

    [Theory]
    [InlineData("{ \"version\": 1, \"users\": { \"alice\": { \"ntHash\": \"8846F7EAEE8FB117AD06BDD830B7586C\" } ", "not JSON")]
    [InlineData("[]", "top level must be an object")]
    [InlineData("{ \"users\": {} }", "version must be 1")]
    [InlineData("{ \"version\": 2, \"users\": {} }", "version must be 1")]
    [InlineData("{ \"version\": 1, \"users\": [] }", "users must be an object")]
    [InlineData("{ \"version\": 1, \"users\": { \"alice\": { \"ntHash\": \"8846\" } } }", "users.alice.ntHash: must be 32 hex digits")]
    [InlineData("{ \"version\": 1, \"users\": { \"alice\": { \"password\": \"x\" } } }", "users.alice.ntHash: must be 32 hex digits")]
    [InlineData("{ \"version\": 1, \"users\": { \"a b\": { \"ntHash\": \"8846F7EAEE8FB117AD06BDD830B7586C\" } } }", "is not a user name")]
    [InlineData("{ \"version\": 1, \"users\": { \"alice\": { \"ntHash\": \"8846F7EAEE8FB117AD06BDD830B7586C\" }, \"Alice\": { \"ntHash\": \"8846F7EAEE8FB117AD06BDD830B7586C\" } } }", "listed twice")]
    public void A_damaged_file_is_a_clear_error_and_is_never_overwritten(string content, string message)
    {
        string path = Path.Combine(_dir, "users.json");
        File.WriteAllText(path, content);
        var read = Assert.Throws<UserStoreException>(() => Store.Read());
        Assert.Contains(message, read.Message);
        Assert.Contains(path, read.Message);
        Assert.Throws<UserStoreException>(() => Store.Add("carol", HashB));
        Assert.Throws<UserStoreException>(() => Store.Remove("alice"));
        Assert.Equal(content, File.ReadAllText(path)); // what was there is still there for the operator to repair
    }

    [Theory]
    [InlineData("written")]
    [InlineData("synced")]
    [InlineData("renamed")]
    public void A_crash_during_a_write_leaves_the_old_or_the_new_list_never_a_mix(string crashPoint)
    {
        Store.Add("alice", HashA);
        AtomicFile.CrashPoint = step => { if (step == crashPoint) throw new IOException("simulated power cut at " + step); };
        Assert.Throws<IOException>(() => Store.Add("bob", HashB));
        AtomicFile.CrashPoint = null;
        Dictionary<string, byte[]> after = Store.Read(); // parses: whole documents only
        if (crashPoint == "renamed") Assert.Equal(["alice", "bob"], after.Keys.Order());
        else Assert.Equal(["alice"], after.Keys);
        Assert.Empty(Directory.EnumerateFiles(_dir, ".*.tmp"));
    }

    [Fact]
    public void A_factory_reset_removes_the_users()
    {
        var layout = new StateLayout(_dir);
        Store.Add("alice", HashA);
        FactoryReset.Run(layout);
        Assert.False(File.Exists(layout.Users));
    }
}

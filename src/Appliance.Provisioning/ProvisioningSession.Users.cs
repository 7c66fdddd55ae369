using Microsoft.Extensions.Logging;
using Appliance.Common;
using static Appliance.Provisioning.ProtocolReplies;

namespace Appliance.Provisioning;

// USER ADD|DEL|LIST: remote-access users in users.json, as `appliance user` on the box's shell.
public sealed partial class ProvisioningSession
{
    // RFC 2759 §8.3: NtPasswordHash takes up to 256 Unicode characters.
    private const int MaxPasswordLength = 256;

    /// <summary>
    /// Takes effect at once (not staged until COMMIT), as the identity steps do: the store is its own file, written
    /// atomically. The password is write-only: it is hashed here, and no reply or log line carries it.
    /// </summary>
    private void User(string args, List<string> reply)
    {
        if (_options.Users is not { } store || _options.NtPasswordHash is not { } hash)
        {
            reply.Add(Err(NotImplemented, "this box keeps no user store"));
            return;
        }
        var (sub, rest) = SplitFirst(args.Trim());
        switch (sub.ToUpperInvariant())
        {
            case "ADD": AddUser(store, hash, rest, reply); break;
            case "DEL": DeleteUser(store, rest.Trim(), reply); break;
            case "LIST": ListUsers(store, reply); break;
            default: reply.Add(Err(BadRequest, "usage: USER ADD <name> <password> | USER DEL <name> | USER LIST")); break;
        }
    }

    private void AddUser(UserStoreFile store, Func<string, byte[]> ntHash, string args, List<string> reply)
    {
        var (name, password) = SplitFirst(args);
        if (UserStoreFile.NameProblem(name) is not null)
        {
            reply.Add(Err(InvalidValue, "user names are 1-64 letters, digits and . _ @ -"));
            return;
        }
        if (password.Length == 0 || password.Length > MaxPasswordLength)
        {
            reply.Add(Err(BadRequest, $"USER ADD <name> <password>: the password (rest of the line) is 1-{MaxPasswordLength} characters"));
            return;
        }
        if (IsConfiguredUser(name))
        {
            reply.Add(Err(Conflict, $"{name} is set in the configuration (Appliance:Users:{name}); change it there"));
            return;
        }
        byte[] hash = ntHash(password);
        try
        {
            bool isNew = store.Add(name, hash);
            _logger.LogInformation("Provisioning: remote-access user {User} {Action}", name, isNew ? "added" : "given a new password");
            reply.Add(Ok(isNew ? $"user {name} added" : $"user {name} password changed"));
        }
        catch (UserStoreException e)
        {
            reply.Add(Err(Conflict, e.Message));
        }
        finally
        {
            Array.Clear(hash);
        }
    }

    private void DeleteUser(UserStoreFile store, string name, List<string> reply)
    {
        if (UserStoreFile.NameProblem(name) is not null)
        {
            reply.Add(Err(InvalidValue, "user names are 1-64 letters, digits and . _ @ -"));
            return;
        }
        try
        {
            if (store.Remove(name))
            {
                _logger.LogInformation("Provisioning: remote-access user {User} deleted", name);
                reply.Add(Ok($"user {name} deleted"));
            }
            else reply.Add(Err(NotFound, IsConfiguredUser(name) ? $"{name} is set in the configuration; UNSET it there" : $"no user {name}"));
        }
        catch (UserStoreException e)
        {
            reply.Add(Err(Conflict, e.Message));
        }
    }

    private static void ListUsers(UserStoreFile store, List<string> reply)
    {
        try
        {
            string[] names = [.. store.Read().Keys];
            Array.Sort(names, StringComparer.OrdinalIgnoreCase);
            foreach (string name in names) reply.Add("user: " + name);
            reply.Add(Ok($"USER {names.Length} user(s)"));
        }
        catch (UserStoreException e)
        {
            reply.Add(Err(Conflict, e.Message));
        }
    }

    // The configuration's user wins at login (the service's UserDirectory): a second password here would mislead.
    private bool IsConfiguredUser(string name)
    {
        string prefix = "Appliance:Users:" + name + ":";
        foreach (string key in _draft.Working.Keys)
            if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}

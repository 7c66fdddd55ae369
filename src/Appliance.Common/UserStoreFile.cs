using System.Text.Json;

namespace Appliance.Common;

/// <summary>
/// The remote-access users an operator added with `appliance user add` or the provisioning console's USER ADD:
/// <c>users.json</c> in the state directory, holding each user's NT password hash (RFC 2759 §8.3) and never a
/// password. The file is 0600 and replaced atomically (<see cref="AtomicFile"/>), so a reader sees the old list or
/// the new one. A damaged file is reported by path and is never overwritten: a change is refused until the operator
/// repairs or removes it, so no user is lost by a write over it.
/// <code>
/// { "version": 1, "users": { "alice": { "ntHash": "8846F7EAEE8FB117AD06BDD830B7586C" } } }
/// </code>
/// Names are compared case-insensitively (Windows sends them as typed); the spelling of the last add is kept.
/// </summary>
public sealed class UserStoreFile(string path)
{
    public const string FileName = "users.json";
    public const int NtHashLength = 16;

    public string Path { get; } = path;

    public static UserStoreFile In(StateLayout layout) => new(layout.Users);

    /// <summary>The users by name; empty when the file does not exist.</summary>
    /// <exception cref="UserStoreException">The file is unreadable or not a user store; the message names the path.</exception>
    public Dictionary<string, byte[]> Read()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException) { return new(StringComparer.OrdinalIgnoreCase); }
        catch (DirectoryNotFoundException) { return new(StringComparer.OrdinalIgnoreCase); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserStoreException($"{Path}: cannot read it: {e.Message}");
        }
        return Parse(bytes, Path);
    }

    /// <summary>Adds the user, or replaces its hash (a new password). Returns false when it replaced one.</summary>
    public bool Add(string name, ReadOnlySpan<byte> ntHash)
    {
        CheckName(name);
        if (ntHash.Length != NtHashLength) throw new ArgumentException("an NT hash is 16 octets", nameof(ntHash));
        Dictionary<string, byte[]> users = Read();
        bool isNew = !users.Remove(name);
        users[name] = ntHash.ToArray();
        Write(users);
        return isNew;
    }

    /// <summary>Removes the user; false when there was none of that name.</summary>
    public bool Remove(string name)
    {
        CheckName(name);
        Dictionary<string, byte[]> users = Read();
        if (!users.Remove(name)) return false;
        Write(users);
        return true;
    }

    /// <summary>Why a name cannot be a user name, or null when it can.</summary>
    public static string? NameProblem(string name) =>
        TextShape.IsUserName(name) ? null : $"'{Printable(name)}' is not a user name: 1-64 letters, digits and . _ @ -";

    private static void CheckName(string name)
    {
        if (NameProblem(name) is { } problem) throw new UserStoreException(problem);
    }

    private void Write(Dictionary<string, byte[]> users)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteStartObject("users");
            string[] names = [.. users.Keys];
            Array.Sort(names, StringComparer.OrdinalIgnoreCase);
            foreach (string name in names)
            {
                writer.WriteStartObject(name);
                writer.WriteString("ntHash", Convert.ToHexString(users[name]));
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(Path, [.. buffer.WrittenSpan, (byte)'\n'], AtomicFile.SecretMode, ownerOfDirectory: true);
    }

    /// <summary>Strict: anything but the documented shape is an error naming where, never a partial list.</summary>
    public static Dictionary<string, byte[]> Parse(ReadOnlySpan<byte> json, string path)
    {
        var users = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new UserStoreException($"{path}: not JSON (line {e.LineNumber + 1}); repair it or move it away and add the users again");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new UserStoreException($"{path}: not a user store (the top level must be an object)");
            if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out int v) || v != 1)
                throw new UserStoreException($"{path}: version must be 1");
            if (!root.TryGetProperty("users", out JsonElement list) || list.ValueKind != JsonValueKind.Object)
                throw new UserStoreException($"{path}: users must be an object of user names");
            foreach (JsonProperty user in list.EnumerateObject())
            {
                string where = $"{path}: users.{Printable(user.Name)}";
                if (NameProblem(user.Name) is { } problem)
                    throw new UserStoreException($"{path}: {problem}");
                if (user.Value.ValueKind != JsonValueKind.Object || !user.Value.TryGetProperty("ntHash", out JsonElement hash)
                    || hash.ValueKind != JsonValueKind.String || !TextShape.IsNtHash(hash.GetString()!))
                    throw new UserStoreException($"{where}.ntHash: must be 32 hex digits");
                if (!users.TryAdd(user.Name, Convert.FromHexString(hash.GetString()!)))
                    throw new UserStoreException($"{where}: listed twice");
            }
        }
        return users;
    }

    // A name from a file or a command line goes into messages: keep control characters out of the terminal and logs.
    private static string Printable(string s)
    {
        string cut = s.Length > 64 ? s[..64] + "…" : s;
        return string.Create(cut.Length, cut, (span, text) =>
        {
            for (int i = 0; i < text.Length; i++) span[i] = char.IsControl(text[i]) ? '?' : text[i];
        });
    }
}

/// <summary>The user store is damaged or a name is not acceptable; the message is for the operator.</summary>
public sealed class UserStoreException(string message) : Exception(message);

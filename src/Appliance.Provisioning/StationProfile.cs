using System.Text.Json;

namespace Appliance.Provisioning;

/// <summary>
/// A unit profile turned into the SET/UNSET commands that stage it. Lists go as one
/// <c>SET list a,b</c> so elements left from an earlier run are replaced, not merged.
/// </summary>
internal sealed class StationProfile
{
    public sealed record Command(string Line, string Display, string Key);

    private StationProfile(List<Command> commands, Dictionary<string, string> values)
    {
        Commands = commands;
        Values = values;
    }

    public IReadOnlyList<Command> Commands { get; }

    /// <summary>Scalar values by canonical key (for the CSR subject and the certificate need).</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    public bool NeedsCertificate => Values.Any(kv => kv.Key.EndsWith(":Auth", StringComparison.Ordinal) && kv.Value == "cert");

    public string? FirstLocalId =>
        Values.Where(kv => kv.Key.EndsWith(":LocalId", StringComparison.Ordinal)).Select(kv => kv.Value).FirstOrDefault();

    /// <exception cref="FormatException">Unreadable JSON, an unknown key or a bad value, named.</exception>
    public static StationProfile Parse(string json)
    {
        IReadOnlyList<KeyValuePair<string, string?>> flat;
        try { flat = SettingsDocument.Flatten(json); }
        catch (JsonException e) { throw new FormatException("profile is not valid JSON: " + e.Message); }

        var commands = new List<Command>();
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lists = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var listOrder = new List<string>();
        foreach (var (key, value) in flat)
        {
            if (!SettingsSchema.TryResolve(key, out var resolved, out bool wholeList))
                throw new FormatException($"profile key {key}: unknown key");
            if (value is null)
            {
                string target = resolved.IsListElement ? resolved.ListKey : resolved.Canonical;
                commands.Add(new("UNSET " + target, "UNSET " + target, target));
                continue;
            }
            if (wholeList) throw new FormatException($"profile key {key}: a list must be a JSON array");
            string normalized = SettingsSchema.Normalize(resolved.Canonical, value);
            string? problem = SettingsSchema.ValidateValue(resolved.Canonical, normalized);
            if (problem is not null)
                throw new FormatException($"profile key {resolved.Canonical}: {problem}");
            if (resolved.IsListElement)
            {
                if (!lists.TryGetValue(resolved.ListKey, out var items))
                {
                    lists[resolved.ListKey] = items = new List<string>();
                    listOrder.Add(resolved.ListKey);
                    commands.Add(new("", "", resolved.ListKey)); // placeholder, filled below
                }
                items.Add(normalized);
                continue;
            }
            values[resolved.Canonical] = normalized;
            string display = resolved.IsSecret ? "<secret>" : normalized;
            commands.Add(new($"SET {resolved.Canonical} {normalized}", $"SET {resolved.Canonical} {display}", resolved.Canonical));
        }
        for (int i = 0; i < commands.Count; i++)
            if (commands[i].Line.Length == 0)
            {
                string listKey = commands[i].Key;
                string joined = string.Join(',', lists[listKey]);
                commands[i] = new($"SET {listKey} {joined}", $"SET {listKey} {joined}", listKey);
            }
        return new StationProfile(commands, values);
    }
}

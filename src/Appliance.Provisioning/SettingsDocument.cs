using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Provisioning;

/// <summary>
/// Converts between a JSON configuration document and flat colon-separated settings, the way
/// Microsoft.Extensions.Configuration's JSON provider flattens it (arrays become numeric segments).
/// Hand-written over <see cref="JsonDocument"/> and <see cref="Utf8JsonWriter"/>: no reflection.
/// </summary>
public static class SettingsDocument
{
    /// <summary>Flattens a JSON document; a JSON null yields a null value (the key is to be unset).</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static IReadOnlyList<KeyValuePair<string, string?>> Flatten(string json)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 16 };
        using JsonDocument document = JsonDocument.Parse(json, options);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new JsonException("the configuration must be a JSON object");
        var result = new List<KeyValuePair<string, string?>>();
        FlattenInto(document.RootElement, "", result);
        return result;
    }

    private static void FlattenInto(JsonElement element, string prefix, List<KeyValuePair<string, string?>> result)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                    FlattenInto(property.Value, Join(prefix, property.Name), result);
                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                    FlattenInto(item, Join(prefix, index++.ToString(CultureInfo.InvariantCulture)), result);
                break;
            case JsonValueKind.String:
                result.Add(new(prefix, element.GetString()));
                break;
            case JsonValueKind.Null:
                result.Add(new(prefix, null));
                break;
            default: // numbers and booleans: configuration values are strings
                result.Add(new(prefix, element.GetRawText()));
                break;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + ":" + name;

    /// <summary>
    /// Writes flat settings as an indented JSON document. A section whose children are all numeric
    /// becomes an array, ordered by index and compacted (gaps left by UNSET of one element close up).
    /// </summary>
    public static string ToJson(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var root = new Node();
        foreach (var (key, value) in settings)
        {
            Node node = root;
            foreach (string segment in key.Split(':'))
            {
                if (!node.Children.TryGetValue(segment, out Node? child))
                    node.Children.Add(segment, child = new Node());
                node = child;
            }
            node.Value = value;
        }
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            WriteNode(writer, root);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    private sealed class Node
    {
        public readonly SortedDictionary<string, Node> Children = new(SegmentComparer.Instance);
        public string? Value;
    }

    private static void WriteNode(Utf8JsonWriter writer, Node node)
    {
        if (node.Children.Count == 0)
        {
            writer.WriteStringValue(node.Value);
            return;
        }
        if (node.Children.Keys.All(IsIndex))
        {
            writer.WriteStartArray();
            foreach (Node child in node.Children.Values) WriteNode(writer, child);
            writer.WriteEndArray();
            return;
        }
        writer.WriteStartObject();
        foreach (var (name, child) in node.Children)
        {
            writer.WritePropertyName(name);
            WriteNode(writer, child);
        }
        writer.WriteEndObject();
    }

    private static bool IsIndex(string segment) => segment.Length > 0 && segment.All(char.IsAsciiDigit);

    /// <summary>Numeric segments in numeric order (2 before 10), names ordinally, case-insensitive.</summary>
    private sealed class SegmentComparer : IComparer<string>
    {
        public static readonly SegmentComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return string.CompareOrdinal(x, y);
            if (IsIndex(x) && IsIndex(y))
            {
                int byLength = x.Length.CompareTo(y.Length);
                return byLength != 0 ? byLength : string.CompareOrdinal(x, y);
            }
            return StringComparer.OrdinalIgnoreCase.Compare(x, y);
        }
    }
}

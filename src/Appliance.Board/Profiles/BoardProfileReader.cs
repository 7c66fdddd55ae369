using System.Text.Json;

namespace Appliance.Board;

/// <summary>
/// Reads board.json into <see cref="BoardProfileDocument"/> through JsonDocument. A hand-written walk instead of
/// the source-generated serializer: the serializer's converters were a quarter of a megabyte of the binary for one
/// small file read at start (issue 19). Unknown members and wrong types are errors, so a typo such as "ActiveLo"
/// fails loudly instead of leaving an LED inverted; a member set to null reaches the validator as missing.
/// </summary>
internal static class BoardProfileReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 16,
    };

    public static BoardProfileDocument Read(ReadOnlySpan<byte> json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), Options);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" at line {line + 1}" : "";
            throw new BoardProfileException($"{source}: not a valid board profile{where}: {e.Message}", e);
        }
        using (document)
        {
            try
            {
                if (document.RootElement.ValueKind == JsonValueKind.Null)
                    throw new BoardProfileException($"{source}: the profile is empty (null)");
                return ReadProfile(new Node(document.RootElement, ""));
            }
            catch (ShapeException e)
            {
                throw new BoardProfileException($"{source}: not a valid board profile: {e.Message}");
            }
        }
    }

    private static BoardProfileDocument ReadProfile(Node root)
    {
        var doc = new BoardProfileDocument();
        foreach (var (name, value) in root.Members())
        {
            switch (name)
            {
                case "Name": doc.Name = value.String(); break;
                case "Description": doc.Description = value.String(); break;
                case "YoctoMachine": doc.YoctoMachine = value.String(); break;
                case "Notes": doc.Notes = value.String(); break;
                case "Gpio": doc.Gpio = value.Object(ReadGpio); break;
                case "Leds": doc.Leds = value.Array(led => led.Object(ReadLed)); break;
                case "ResetButton": doc.ResetButton = value.Object(ReadButton); break;
                case "Console": doc.Console = value.Object(ReadConsole); break;
                case "Network": doc.Network = value.Object(ReadNetwork); break;
                case "Health": doc.Health = value.Object(ReadHealth); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static GpioDocument ReadGpio(Node node)
    {
        var doc = new GpioDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Driver": doc.Driver = value.String(); break;
                case "ChipLabel": doc.ChipLabel = value.String(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static LedDocument ReadLed(Node node)
    {
        var doc = new LedDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Role": doc.Role = value.String(); break;
                case "Name": doc.Name = value.String(); break;
                case "Pin": doc.Pin = value.Int32(); break;
                case "Colour": doc.Colour = value.String(); break;
                case "ActiveLow": doc.ActiveLow = value.Boolean(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static ResetButtonDocument ReadButton(Node node)
    {
        var doc = new ResetButtonDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Pin": doc.Pin = value.Int32(); break;
                case "PullUp": doc.PullUp = value.Boolean(); break;
                case "ActiveLow": doc.ActiveLow = value.Boolean(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static ConsoleDocument ReadConsole(Node node)
    {
        var doc = new ConsoleDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Device": doc.Device = value.String(); break;
                case "Fallback": doc.Fallback = value.String(); break;
                case "BaudRate": doc.BaudRate = value.Int32(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static NetworkDocument ReadNetwork(Node node)
    {
        var doc = new NetworkDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Wan": doc.Wan = value.String(); break;
                case "Lan": doc.Lan = value.String(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static HealthDocument ReadHealth(Node node)
    {
        var doc = new HealthDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "ThermalZone": doc.ThermalZone = value.String(); break;
                case "UnderVoltageHwmon": doc.UnderVoltageHwmon = value.String(); break;
                case "HotCelsius": doc.HotCelsius = value.Double(); break;
                case "Throttled": doc.Throttled = value.Object(ReadThrottled); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    private static ThrottleSourceDocument ReadThrottled(Node node)
    {
        var doc = new ThrottleSourceDocument();
        foreach (var (name, value) in node.Members())
        {
            switch (name)
            {
                case "Source": doc.Source = value.String(); break;
                case "Path": doc.Path = value.String(); break;
                default: throw value.Unknown();
            }
        }
        return doc;
    }

    /// <summary>The profile's shape is wrong (a member unknown, of the wrong type or given twice).</summary>
    private sealed class ShapeException(string message) : Exception(message);

    /// <summary>One JSON value with the dotted path that names it in error messages ("Leds[2].Pin").</summary>
    private readonly record struct Node(JsonElement Element, string Path)
    {
        public IEnumerable<(string Name, Node Value)> Members()
        {
            if (Element.ValueKind != JsonValueKind.Object)
                throw new ShapeException($"\"{Describe()}\" must be an object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in Element.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new ShapeException($"\"{Child(property.Name)}\" is given twice");
                yield return (property.Name, new Node(property.Value, Child(property.Name)));
            }
        }

        public ShapeException Unknown() => new($"\"{Path}\" is not a known member");

        public string? String() => Element.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => Element.GetString(),
            _ => throw Wrong("a string"),
        };

        public int? Int32() => Element.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number when Element.TryGetInt32(out int value) => value,
            _ => throw Wrong("an integer"),
        };

        public double? Double() => Element.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number when Element.TryGetDouble(out double value) => value,
            _ => throw Wrong("a number"),
        };

        public bool? Boolean() => Element.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong("true or false"),
        };

        public T? Object<T>(Func<Node, T> read) where T : class =>
            Element.ValueKind == JsonValueKind.Null ? null : read(this);

        public List<T?>? Array<T>(Func<Node, T?> read) where T : class
        {
            if (Element.ValueKind == JsonValueKind.Null)
                return null;
            if (Element.ValueKind != JsonValueKind.Array)
                throw Wrong("an array");
            var items = new List<T?>();
            int i = 0;
            foreach (JsonElement item in Element.EnumerateArray())
                items.Add(read(new Node(item, $"{Path}[{i++}]")));
            return items;
        }

        private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";
        private string Describe() => Path.Length == 0 ? "(the profile)" : Path;
        private ShapeException Wrong(string what) => new($"\"{Describe()}\" must be {what}");
    }
}

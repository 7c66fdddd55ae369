using System.Text.RegularExpressions;

namespace Appliance.Image.Tests.Support;

/// <summary>One assignment: <c>NAME[:override...][[flag]] op "value"</c>, as written (unexpanded).</summary>
public sealed record Assignment(string Name, string? Flag, string Operator, string Value, int Line)
{
    /// <summary>The variable without overrides: <c>SYSTEMD_SERVICE:${PN}</c> → <c>SYSTEMD_SERVICE</c>.</summary>
    public string BaseName => Name.Split(':')[0];
}

/// <summary>A function body: shell <c>do_install() {</c>, <c>python () {</c> or a <c>def</c> block.</summary>
public sealed record FunctionBlock(string Name, string Kind, string Body, int Line);

/// <summary>
/// The statements of a .bb/.bbappend/.conf file, parsed the way bitbake's ConfHandler/BBHandler
/// read them (bitbake/lib/bb/parse/parse_py): logical lines joined at a trailing backslash, # comments,
/// assignments with the operators = ?= ??= := += =+ .= =., inherit/require/include, export, shell and
/// python functions up to the closing brace in column 0, and def blocks up to the next unindented line.
/// Anything else is a parse error, as it is for bitbake.
/// </summary>
public sealed class BitbakeFile
{
    private static readonly Regex AssignmentLine = new(
        @"^(?:export\s+)?(?<name>[A-Za-z0-9_\-\$\{\}\.:/+~]+?)(?:\[(?<flag>[A-Za-z0-9_\-\.]+)\])?\s*(?<op>\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*(?<q>[""'])(?<value>.*)\k<q>\s*$",
        RegexOptions.Compiled | RegexOptions.Singleline);
    private static readonly Regex FunctionStart = new(
        @"^(?:(?<python>python)\s+|fakeroot\s+)?(?<name>[A-Za-z0-9_\-\$\{\}:]*)\s*\(\s*\)\s*\{\s*$", RegexOptions.Compiled);
    private static readonly Regex DirectiveLine = new(@"^(?<kind>inherit|require|include|inherit_defer|addtask|deltask|addhandler|EXPORT_FUNCTIONS|export)\b\s*(?<rest>.*)$", RegexOptions.Compiled);

    public string Path { get; }
    public List<Assignment> Assignments { get; } = [];
    public List<FunctionBlock> Functions { get; } = [];
    public List<(string Kind, string Argument, int Line)> Directives { get; } = [];
    public List<string> Errors { get; } = [];

    private BitbakeFile(string path) => Path = path;

    public static BitbakeFile Load(string path) => Parse(path, File.ReadAllText(path));

    public static BitbakeFile Parse(string path, string text)
    {
        var file = new BitbakeFile(path);
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int start = i + 1;
            string line = lines[i];
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;

            var fn = FunctionStart.Match(line);
            if (fn.Success)
            {
                int close = Array.FindIndex(lines, i + 1, l => l == "}");
                if (close < 0) { file.Errors.Add($"{start}: function '{line.Trim()}' has no closing '}}' in column 0"); break; }
                file.Functions.Add(new FunctionBlock(fn.Groups["name"].Value, fn.Groups["python"].Success ? "python" : "shell",
                    string.Join('\n', lines[(i + 1)..close]), start));
                i = close;
                continue;
            }
            if (line.StartsWith("def ", StringComparison.Ordinal))
            {
                int end = i + 1;
                while (end < lines.Length && (lines[end].Length == 0 || char.IsWhiteSpace(lines[end][0]))) end++;
                string name = line[4..line.IndexOf('(', StringComparison.Ordinal)].Trim();
                file.Functions.Add(new FunctionBlock(name, "def", string.Join('\n', lines[(i + 1)..end]), start));
                i = end - 1;
                continue;
            }

            // Join continuation lines: bitbake keeps the text and drops the backslash-newline.
            string logical = line;
            while (logical.EndsWith('\\') && i + 1 < lines.Length)
                logical = logical[..^1] + lines[++i];

            var a = AssignmentLine.Match(logical);
            if (a.Success)
            {
                if (a.Groups["value"].Value.Contains(a.Groups["q"].Value, StringComparison.Ordinal))
                    file.Errors.Add($"{start}: value of {a.Groups["name"].Value} contains its own quote character");
                file.Assignments.Add(new Assignment(a.Groups["name"].Value, a.Groups["flag"].Success ? a.Groups["flag"].Value : null,
                    a.Groups["op"].Value, a.Groups["value"].Value, start));
                continue;
            }
            var d = DirectiveLine.Match(logical);
            if (d.Success)
            {
                file.Directives.Add((d.Groups["kind"].Value, d.Groups["rest"].Value.Trim(), start));
                continue;
            }
            file.Errors.Add($"{start}: not a bitbake statement: {logical.Trim()}");
        }
        return file;
    }

    /// <summary>The value after applying the assignments in file order (no override resolution, no expansion).</summary>
    public string? Value(string name)
    {
        string? value = null;
        foreach (var a in Assignments.Where(a => a.Name == name && a.Flag is null))
        {
            value = a.Operator switch
            {
                "=" or ":=" => a.Value,
                "?=" or "??=" => value ?? a.Value,
                "+=" => value is null ? a.Value : value + " " + a.Value,
                "=+" => value is null ? a.Value : a.Value + " " + value,
                ".=" => (value ?? "") + a.Value,
                "=." => a.Value + (value ?? ""),
                _ => value,
            };
        }
        return value;
    }

    /// <summary>Whitespace-separated words of a value, with :append/:prepend/+= contributions for that name.</summary>
    public IEnumerable<string> Words(string baseName) =>
        Assignments.Where(a => a.Flag is null && (a.Name == baseName || a.Name.StartsWith(baseName + ":", StringComparison.Ordinal)))
            .Where(a => !a.Name.Contains(":remove", StringComparison.Ordinal))
            .SelectMany(a => a.Value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    public string AllText() => string.Join('\n',
        Assignments.Select(a => a.Value).Concat(Functions.Select(f => f.Body)).Concat(Directives.Select(d => d.Argument)));
}

namespace Appliance.Provisioning;

/// <summary>
/// Gathers one PEM block (RFC 7468) line by line after CERT or CACERT. A line that cannot belong to a
/// PEM body interrupts the block so the box never hangs in PEM mode: the caller reports the cut-off
/// block and treats that line as a command.
/// </summary>
internal sealed class PemCollector
{
    public const int MaxBodyLines = 200;

    // RFC 7468 §3: strict encoders write 64 characters a line; lax parsers accept longer, up to 76 is common.
    private const int MaxBodyLineLength = 76;

    private readonly string _label;
    private readonly List<string> _body = new();
    private bool _begun;

    public PemCollector(string label, DateTimeOffset deadline)
    {
        _label = label;
        Deadline = deadline;
    }

    public enum Step { Continue, Complete, Interrupted, Invalid }

    public DateTimeOffset Deadline { get; }

    public string Label => _label;

    public Step Add(string line)
    {
        if (line.Length == 0) return Step.Continue;
        if (!_begun)
        {
            if (line != $"-----BEGIN {_label}-----") return Step.Interrupted;
            _begun = true;
            return Step.Continue;
        }
        if (line == $"-----END {_label}-----") return _body.Count > 0 ? Step.Complete : Step.Invalid;
        if (!IsBodyLine(line)) return Step.Interrupted;
        if (_body.Count == MaxBodyLines) return Step.Invalid;
        _body.Add(line);
        return Step.Continue;
    }

    /// <summary>The DER bytes of a complete block, or null if the base64 is malformed.</summary>
    public byte[]? Decode()
    {
        try { return Convert.FromBase64String(string.Concat(_body)); }
        catch (FormatException) { return null; }
    }

    // Base64 in whole quanta: commands like HELLO or ABORT (5 characters) are never mistaken for one.
    private static bool IsBodyLine(string line)
    {
        if (line.Length > MaxBodyLineLength || line.Length % 4 != 0) return false;
        foreach (char c in line)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return false;
        return true;
    }
}

using System.Text;

namespace Appliance.Provisioning;

public enum LineFault
{
    None,
    /// <summary>Longer than the limit; the rest up to the next line end was discarded.</summary>
    TooLong,
    /// <summary>Held control or non-ASCII bytes: binary garbage or a baud-rate mismatch's noise.</summary>
    BadBytes,
}

public readonly record struct LineEvent(string Line, LineFault Fault);

/// <summary>
/// Cuts a byte stream into lines. LF, CR and CRLF all end a line (terminal programs send a bare CR
/// on Enter; a trailing CR before LF then yields an empty line, which callers ignore). Backspace and
/// DEL edit the line so a human can type. Only printable ASCII is accepted: anything else marks the
/// line as garbage, but the line still ends at the next line end, so the next good line is read intact.
/// </summary>
public sealed class LineAssembler
{
    private const byte Backspace = 0x08;
    private const byte Delete = 0x7F;

    private readonly int _maxLineLength;
    private readonly StringBuilder _line = new();
    private bool _badBytes;
    private bool _discarding;
    private int _received; // every byte counts, so endless noise without a line end is cut too

    public LineAssembler(int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 16);
        _maxLineLength = maxLineLength;
    }

    /// <summary>True while part of a line has been received.</summary>
    public bool HasPartialLine => _received > 0 || _discarding;

    public void Push(ReadOnlySpan<byte> data, List<LineEvent> lines)
    {
        foreach (byte b in data)
        {
            if (b == (byte)'\n' || b == (byte)'\r')
            {
                EndLine(lines);
                continue;
            }
            if (_discarding) continue;
            if (b == Backspace || b == Delete)
            {
                if (_line.Length > 0) { _line.Length--; _received--; }
                continue;
            }
            if (b < 0x20 || b > 0x7E) _badBytes = true;
            else _line.Append((char)b);
            if (++_received > _maxLineLength) _discarding = true;
        }
    }

    /// <summary>Forgets a partial line (the cable was pulled mid-line).</summary>
    public void Reset()
    {
        _line.Clear();
        _badBytes = false;
        _discarding = false;
        _received = 0;
    }

    private void EndLine(List<LineEvent> lines)
    {
        if (_discarding) lines.Add(new LineEvent("", LineFault.TooLong));
        else if (_badBytes) lines.Add(new LineEvent("", LineFault.BadBytes));
        else lines.Add(new LineEvent(_line.ToString(), LineFault.None));
        Reset();
    }
}

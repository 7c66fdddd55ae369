using System.Text;

namespace Appliance.Provisioning.Tests;

public class LineAssemblerTests
{
    private static List<LineEvent> Push(LineAssembler assembler, params byte[][] chunks)
    {
        var events = new List<LineEvent>();
        foreach (byte[] chunk in chunks) assembler.Push(chunk, events);
        return events;
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void LfCrAndCrLfEndLines_TrailingCrIsDropped()
    {
        var events = Push(new LineAssembler(64), Ascii("HELLO\nINFO\r\nHELP\r"));
        Assert.Equal(["HELLO", "INFO", "", "HELP"], events.Select(e => e.Line));
        Assert.All(events, e => Assert.Equal(LineFault.None, e.Fault));
    }

    [Fact]
    public void LineSplitAcrossReads_IsJoined()
    {
        var events = Push(new LineAssembler(64), Ascii("GET Appl"), Ascii("iance:Board"), Ascii("\n"));
        Assert.Equal("GET Appliance:Board", Assert.Single(events).Line);
    }

    [Fact]
    public void Backspace_EditsTheLine()
    {
        var events = Push(new LineAssembler(64), Ascii("HELX\bLO\x7f\x7fLO\n"));
        Assert.Equal("HELLO", Assert.Single(events).Line);
    }

    [Fact]
    public void OverLongLine_IsReportedOnce_AndTheNextLineIsIntact()
    {
        var assembler = new LineAssembler(32);
        var events = Push(assembler, Ascii(new string('A', 100)), Ascii(new string('B', 100) + "\nHELLO\n"));
        Assert.Equal(2, events.Count);
        Assert.Equal(LineFault.TooLong, events[0].Fault);
        Assert.Equal(new LineEvent("HELLO", LineFault.None), events[1]);
    }

    [Fact]
    public void BinaryGarbage_MarksTheLine_AndTheNextLineIsIntact()
    {
        var events = Push(new LineAssembler(64), [0x00, 0xFF, 0x41, 0x1B, 0x0A], Ascii("INFO\n"));
        Assert.Equal(LineFault.BadBytes, events[0].Fault);
        Assert.Equal(new LineEvent("INFO", LineFault.None), events[1]);
    }

    [Fact]
    public void EndlessNoiseWithoutLineEnd_IsCutAtTheLimit()
    {
        var assembler = new LineAssembler(32);
        byte[] noise = Enumerable.Range(0, 5000).Select(i => (byte)(0x80 | (i * 37 % 128))).ToArray();
        var events = Push(assembler, noise, Ascii("\nHELLO\n"));
        Assert.Equal([LineFault.TooLong, LineFault.None], events.Select(e => e.Fault));
        Assert.Equal("HELLO", events[1].Line);
    }

    [Fact]
    public void Reset_ForgetsAPartialLine()
    {
        var assembler = new LineAssembler(64);
        Push(assembler, Ascii("SET Appliance:Tunnels:hq:Psk half"));
        Assert.True(assembler.HasPartialLine);
        assembler.Reset();
        Assert.False(assembler.HasPartialLine);
        Assert.Equal("HELLO", Assert.Single(Push(assembler, Ascii("HELLO\n"))).Line);
    }
}

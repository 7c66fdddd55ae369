using System.Text;

namespace Appliance.Provisioning.Tests;

public class NoiseTests
{
    /// <summary>
    /// A megabyte of seeded random bytes (what a wrong baud rate produces) through the line framing
    /// and the session: no exception, every reply well-formed, nothing stored, and the next good line works.
    /// </summary>
    [Fact]
    public async Task RandomNoise_IsSurvived_AndStoresNothing()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        var assembler = new LineAssembler(ProvisioningTransport.DefaultMaxLineLength);
        var random = new Random(20261127);
        var events = new List<LineEvent>();
        int replies = 0;
        byte[] chunk = new byte[4096];
        for (int i = 0; i < 256; i++)
        {
            random.NextBytes(chunk);
            // Mostly printable noise with line ends now and then, so short garbage lines reach the parser too.
            for (int j = 0; j < chunk.Length; j++)
                if (chunk[j] % 3 != 0) chunk[j] = (byte)(0x20 + chunk[j] % 0x5F);
                else if (chunk[j] % 17 == 0) chunk[j] = (byte)'\n';
            assembler.Push(chunk, events);
            foreach (LineEvent e in events)
                foreach (string line in await session.HandleAsync(e))
                {
                    replies++;
                    Assert.True(line.StartsWith("ERR ", StringComparison.Ordinal) || line.StartsWith("OK ", StringComparison.Ordinal),
                        "unexpected reply to noise: " + line);
                }
            events.Clear();
        }
        Assert.True(replies > 1000, $"only {replies} replies: the noise did not reach the parser");
        assembler.Push(Encoding.ASCII.GetBytes("\nHELLO\n"), events);
        var last = new List<string>();
        foreach (LineEvent e in events) last.AddRange(await session.HandleAsync(e));
        Assert.Equal("OK APPLIANCE-PROVISION 1 APL-0001 0.1.0", last[^1]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(box.Root));
    }
}

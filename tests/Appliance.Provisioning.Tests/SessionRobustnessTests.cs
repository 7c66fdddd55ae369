namespace Appliance.Provisioning.Tests;

public class SessionRobustnessTests
{
    [Fact]
    public async Task FaultyLines_AreAnsweredWithErrors_AndTheNextGoodLineWorks()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal(["ERR 400 line holds non-printable bytes (wrong baud rate?)"], await session.HandleAsync(new LineEvent("", LineFault.BadBytes)));
        Assert.Equal(["ERR 414 line too long"], await session.HandleAsync(new LineEvent("", LineFault.TooLong)));
        Assert.Empty(await session.HandleLineAsync("   "));
        Assert.Equal("ERR 400 unknown command (try HELP)", await session.SendAsync("~~~\u007f"));
        Assert.StartsWith("OK APPLIANCE-PROVISION", await session.SendAsync("HELLO"));
    }

    [Fact]
    public async Task CutOffPem_IsAbandonedByTheNextCommand_AndNothingIsInstalled()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        string[] pem = Pem.Lines(ca.Pem);
        Assert.Empty(await session.SendLinesAsync(["CACERT", .. pem.Take(4)]));
        Assert.True(session.IsReceivingPem);

        IReadOnlyList<string> reply = await session.HandleLineAsync("HELLO");
        Assert.Equal("ERR 400 incomplete PEM block abandoned", reply[0]);
        Assert.StartsWith("OK APPLIANCE-PROVISION", reply[1]);
        Assert.False(session.IsReceivingPem);
        Assert.False(File.Exists(box.Layout.CaCertificate));
        // The rest of the cut-off block arriving late is just bad commands, not a certificate.
        foreach (string line in pem.Skip(4)) Assert.StartsWith("ERR ", await session.SendAsync(line));
        Assert.False(File.Exists(box.Layout.CaCertificate));
    }

    [Fact]
    public async Task StalledPem_TimesOut()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        await session.SendLinesAsync(["CACERT", .. Pem.Lines(ca.Pem).Take(3)]);
        box.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(session.Poll());
        box.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["ERR 408 PEM not completed in time"], session.Poll());
        Assert.False(session.IsReceivingPem);
        Assert.Empty(session.Poll());
    }

    [Fact]
    public async Task CorruptPem_IsRefused_AndTheSessionGoesOn()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        string[] pem = Pem.Lines(ca.Pem);
        pem[2] = new string('A', pem[2].Length);
        Assert.Equal(["ERR 400 not a certificate"], await session.SendLinesAsync(["CACERT", .. pem]));
        Assert.Equal(["ERR 400 malformed PEM block"],
            await session.SendLinesAsync(["CERT", "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"]));
        Assert.Equal(["ERR 400 incomplete PEM block abandoned", "ERR 400 unknown command (try HELP)"],
            await session.SendLinesAsync(["CERT", "-----BEGIN PRIVATE KEY-----"]));
        Assert.Empty(await session.SendLinesAsync(["CERT", pem[0]]));
        Assert.Equal(["ERR 400 PEM interrupted by a bad line", "ERR 400 line holds non-printable bytes (wrong baud rate?)"],
            await session.HandleAsync(new LineEvent("", LineFault.BadBytes)));
        Assert.StartsWith("OK APPLIANCE-PROVISION", await session.SendAsync("HELLO"));
        Assert.False(File.Exists(box.Layout.CaCertificate));
    }
}

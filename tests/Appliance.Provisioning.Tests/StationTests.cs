namespace Appliance.Provisioning.Tests;

/// <summary>The station against a box transport over pipes (the pty tests cover the real serial path).</summary>
public class StationTests
{
    private static async Task<(int Exit, string Progress)> RunAsync(TestBox box, ProvisioningSession session, StationOptions options)
    {
        using var cable = new PipeCable();
        var transport = new ProvisioningTransport(session, TimeProvider.System, box.Logger);
        Task served = transport.RunAsync(cable.BoxSide, CancellationToken.None);
        var progress = new StringWriter();
        int exit = await ProvisioningStation.RunAsync(options, cable.StationSide, progress, CancellationToken.None);
        cable.Cut();
        await served.WaitAsync(TimeSpan.FromSeconds(10));
        return (exit, progress.ToString());
    }

    private static string WriteFile(TestBox box, string name, string text)
    {
        string path = Path.Combine(box.Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("""{ "Appliance": { "Wan": { "Colour": "blue" } } }""", "profile key Appliance:Wan:Colour: unknown key")]
    [InlineData("""{ "Appliance": { "Tunnels": { "hq": { "RemoteAddress": "10.0.0.256" } } } }""", "profile key Appliance:Tunnels:hq:RemoteAddress: not an IP address")]
    [InlineData("""{ "Appliance": { "Tunnels": { "hq": { "LocalTs": "10.0.0.0/8" } } } }""", "profile key Appliance:Tunnels:hq:LocalTs: a list must be a JSON array")]
    [InlineData("""{ "Appliance": """, "profile is not valid JSON")]
    public async Task BadProfile_ExitsWithUsageError_BeforeTalkingToTheBox(string profile, string message)
    {
        using var box = new TestBox();
        var session = box.NewSession();
        var (exit, progress) = await RunAsync(box, session, new StationOptions { ProfilePath = WriteFile(box, "p.json", profile) });
        Assert.Equal(ProvisioningStation.ExitUsage, exit);
        Assert.Contains("error: " + message, progress);
        Assert.DoesNotContain(box.Logger.Lines, l => l.Contains("Provisioning command"));
    }

    [Fact]
    public async Task CertificateFileWithoutCertificate_IsAUsageError()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """{ "Appliance": { "Board": "simulated" } }""");
        string cert = WriteFile(box, "c.pem", "nothing here");
        var (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, CertificatePath = cert });
        Assert.Equal(ProvisioningStation.ExitUsage, exit);
        Assert.Contains("no CERTIFICATE block", progress);
    }

    [Fact]
    public async Task LockedBoxStillOnTheConsole_IsRefusedAtInfo()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """{ "Appliance": { "Board": "simulated" } }""");
        var session = box.NewSession();
        var (exit, progress) = await RunAsync(box, session, new StationOptions { ProfilePath = profile, Lock = true });
        Assert.True(exit == 0, progress);
        Assert.Contains("LOCK: ok locked", progress);

        (exit, progress) = await RunAsync(box, session, new StationOptions { ProfilePath = profile });
        Assert.Equal(ProvisioningStation.ExitStepFailed, exit);
        Assert.Contains("FAILED at INFO: box is locked", progress);
    }

    [Fact]
    public async Task RefusedCommit_NamesTheSettingAndExitsOne()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """
            { "Appliance": { "Tunnels": { "hq": { "RemoteAddress": "10.99.0.2", "Auth": "psk",
              "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "192.168.2.0/24" ], "Ike": [ "aes256gcm16-prfsha256-curve25519" ] } } } }
            """);
        var (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, Lock = true });
        Assert.Equal(ProvisioningStation.ExitStepFailed, exit);
        Assert.Contains("  invalid Appliance:Tunnels:hq:Esp: must not be empty", progress);
        Assert.Contains("FAILED at COMMIT: ERR 422 Appliance:Tunnels:hq:Psk: Auth psk needs Psk or PskFile", progress);
        Assert.False(File.Exists(box.Layout.FactoryConfig));
        Assert.False(box.Store.IsLocked);
    }

    [Fact]
    public async Task ButtonAndLedTests_RunWhenAsked()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """{ "Appliance": { "Board": "simulated" } }""");
        var (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, TestLeds = true, TestButton = true });
        Assert.True(exit == 0, progress);
        Assert.Equal(1, box.Hardware.LedWalks);
        Assert.Contains("TEST BUTTON: press the reset button now", progress);
        Assert.Contains("TEST BUTTON: ok BUTTON pressed", progress);

        box.Hardware.ButtonPressed = false;
        (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, TestButton = true });
        Assert.Equal(ProvisioningStation.ExitStepFailed, exit);
        Assert.Contains("FAILED at TEST BUTTON: ERR 408", progress);
    }

    [Fact]
    public async Task Ed25519Run_WritesACsrThatOpensslVerifies()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """{ "Appliance": { "Board": "simulated" } }""");
        string csrDirectory = Path.Combine(box.Root, "csr");
        var (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions
        {
            ProfilePath = profile, CsrOutDirectory = csrDirectory, KeyAlgorithm = "ed25519", CsrSubject = "CN=APL-0001, O=Example",
        });
        Assert.True(exit == 0, progress);
        Assert.Contains("KEYGEN ed25519: ok key ed25519", progress);
        var (verify, output) = Processes.Run("openssl", "req", "-in", Path.Combine(csrDirectory, "APL-0001.csr"), "-noout", "-verify", "-subject");
        Assert.True(verify == 0, output);
        // RFC 4514 strings list the last RDN first; OpenSSL prints in encoding order.
        Assert.Contains("subject=O = Example, CN = APL-0001", output);

        (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, KeyAlgorithm = "rsa" });
        Assert.Equal(ProvisioningStation.ExitUsage, exit);
    }

    [Fact]
    public async Task UnwritableCsrDirectory_FailsTheCsrStep()
    {
        using var box = new TestBox();
        string profile = WriteFile(box, "p.json", """{ "Appliance": { "Board": "simulated" } }""");
        string notADirectory = WriteFile(box, "occupied", "a file where the directory should be");
        var (exit, progress) = await RunAsync(box, box.NewSession(), new StationOptions { ProfilePath = profile, CsrOutDirectory = notADirectory });
        Assert.Equal(ProvisioningStation.ExitStepFailed, exit);
        Assert.Contains("FAILED at CSR: cannot write", progress);
    }
}

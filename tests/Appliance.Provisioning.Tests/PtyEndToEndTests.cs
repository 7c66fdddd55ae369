using System.IO.Ports;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Appliance.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Provisioning.Tests;

/// <summary>
/// The station and the box's console service talk through a real pseudo-terminal pair, each end
/// opened with System.IO.Ports.SerialPort as on the hardware.
/// </summary>
public sealed class PtyEndToEndTests : IDisposable
{
    private const string Psk = "pty shared secret 42";

    // Issue 7's example configuration plus a certificate-authenticated tunnel.
    private static readonly string Profile = $$"""
        { "Appliance": { "Board": "simulated", "Wan": { "Interface": "wan0" }, "Lan": { "Interface": "lan0" },
          "StateDirectory": "/var/lib/appliance", "KeyLog": null, "Console": { "Device": "/dev/serial0" },
          "Tunnels": {
            "hq": { "RemoteAddress": "10.99.0.2", "LocalId": "branch1.example.com", "RemoteId": "hq.example.com",
              "Auth": "psk", "Psk": "{{Psk}}", "PskFile": null, "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "192.168.2.0/24" ],
              "Ike": [ "aes256gcm16-prfsha256-curve25519" ], "Esp": [ "aes256gcm16" ], "Start": "always", "Mode": "tunnel",
              "Encapsulation": "auto" },
            "dc": { "RemoteAddress": "2001:db8::2", "LocalId": "branch1.example.com", "RemoteId": "dc.example.com",
              "Auth": "cert", "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "10.0.0.0/8", "172.16.0.0/12" ],
              "Ike": [ "aes256gcm16-prfsha384-ecp384" ], "Esp": [ "aes256gcm16" ] } } } }
        """;

    private PtyPair _pty = new();
    private readonly TestBox _box = new();
    private readonly string _work = Directory.CreateTempSubdirectory("prv-station-").FullName;
    private readonly CapturingLogger _logger = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public PtyEndToEndTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        _pty.Dispose();
        _box.Dispose();
        Directory.Delete(_work, true);
    }

    private async Task<T> WithServiceAsync<T>(bool provisioningMode, Func<Task<T>> body)
    {
        var service = new ProvisioningConsoleService(
            new ProvisioningConsoleOptions { Device = _pty.BoxPath, ReopenDelay = TimeSpan.FromMilliseconds(200) },
            new ProvisioningSessionOptions { FirmwareVersion = "0.1.0", ProvisioningMode = provisioningMode, PemTimeout = TimeSpan.FromSeconds(3) },
            _box.Hardware, _box.Store, TimeProvider.System, new CapturingLogger<ProvisioningConsoleService>(_logger));
        await service.StartAsync(CancellationToken.None);
        try
        {
            if (!(provisioningMode || !_box.Store.IsLocked)) await Task.Delay(300); // nothing will listen
            else await WaitForBoxAsync();
            return await body();
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private async Task<(int Exit, string Progress)> StationAsync(StationOptions options)
    {
        using SerialPort port = ProvisioningConsoleService.Open(_pty.StationPath);
        var progress = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int exit = await ProvisioningStation.RunAsync(options, port.BaseStream, progress, timeout.Token);
        _output.WriteLine($"station exit {exit}:\n{progress}");
        return (exit, progress.ToString());
    }

    private string WriteProfile()
    {
        string path = Path.Combine(_work, "unit.json");
        File.WriteAllText(path, Profile);
        return path;
    }

    [Fact]
    public async Task Station_ProvisionsTheBox_CsrThenCertificateThenLock()
    {
        string profile = WriteProfile();
        string csrDirectory = Path.Combine(_work, "csr");
        using var ca = new TestCa();

        var (exit, progress) = await WithServiceAsync(false, () => StationAsync(new StationOptions { ProfilePath = profile, CsrOutDirectory = csrDirectory }));
        Assert.True(exit == 0, progress);
        Assert.Contains("HELLO: ok serial APL-0001, firmware 0.1.0", progress);
        Assert.Contains("SET Appliance:Tunnels:hq:Psk <secret>: ok staged Appliance:Tunnels:hq:Psk", progress);
        Assert.Contains("KEYGEN ecdsa-p256: ok key ecdsa-p256 spki-sha256=", progress);
        Assert.Contains("COMMIT deferred", progress);
        Assert.False(File.Exists(_box.Layout.FactoryConfig));

        // The CSR is named by serial number, verifies with OpenSSL and carries the subject.
        string csrPath = Path.Combine(csrDirectory, "APL-0001.csr");
        var (verifyExit, verifyOutput) = Processes.Run("openssl", "req", "-in", csrPath, "-noout", "-verify", "-subject");
        Assert.True(verifyExit == 0, verifyOutput);
        Assert.Contains("subject=CN = branch1.example.com", verifyOutput);

        // The factory CA signs it; the certificate file carries the CA after the device certificate.
        using X509Certificate2 certificate = ca.Sign(File.ReadAllText(csrPath));
        string certificatePath = Path.Combine(_work, "APL-0001.crt");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n" + ca.Pem + "\n");

        (exit, progress) = await WithServiceAsync(false, () =>
            StationAsync(new StationOptions { ProfilePath = profile, CertificatePath = certificatePath, Lock = true }));
        Assert.True(exit == 0, progress);
        Assert.Contains("CACERT (", progress);
        Assert.Contains("CERT (", progress);
        Assert.Contains("TEST CRYPTO: ok CRYPTO 2 passed", progress);
        Assert.Contains("COMMIT: ok committed", progress);
        Assert.Contains("LOCK: ok locked", progress);
        Assert.DoesNotContain("KEYGEN", progress); // the key from the first run is kept

        JsonNode root = JsonNode.Parse(File.ReadAllText(_box.Layout.FactoryConfig))!;
        Assert.Equal("cert", (string?)root["Appliance"]!["Tunnels"]!["dc"]!["Auth"]);
        Assert.Equal(Psk, (string?)root["Appliance"]!["Tunnels"]!["hq"]!["Psk"]);
        Assert.Null(root["Appliance"]!["KeyLog"]);
        Assert.Equal(["10.0.0.0/8", "172.16.0.0/12"], root["Appliance"]!["Tunnels"]!["dc"]!["RemoteTs"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(certificate.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(_box.Layout.DeviceCertificate)).RawData);
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(_box.Layout.DeviceKey));
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(_box.Layout.FactoryConfig));
        Assert.True(_box.Store.IsLocked);

        // Locked: the console is left to the getty; with the button held at boot the station gets in again.
        (exit, progress) = await WithServiceAsync(false, () =>
            StationAsync(new StationOptions { ProfilePath = profile, ReplyTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Equal(ProvisioningStation.ExitNoAnswer, exit);
        (exit, progress) = await WithServiceAsync(true, () => StationAsync(new StationOptions { ProfilePath = profile }));
        Assert.True(exit == 0, progress);

        Assert.DoesNotContain(Psk, progress);
        _logger.AssertNoneContains(Psk);
        string keyLine = Pem.Lines(File.ReadAllText(_box.Layout.DeviceKey))[1];
        _logger.AssertNoneContains(keyLine);
    }

    [Fact]
    public async Task LockedBox_ThatStillHasTheConsole_AnswersOnlyHelloAndInfo()
    {
        string profile = WriteProfile();
        // Provisioning mode keeps the console; a LOCK during the session locks it at once.
        var (exit, progress) = await WithServiceAsync(true, () => StationAsync(new StationOptions { ProfilePath = profile }));
        Assert.Equal(ProvisioningStation.ExitSuccess, exit);
        Assert.Contains("COMMIT deferred", progress); // dc needs a certificate

        _box.Store.Lock();
        (exit, progress) = await WithServiceAsync(true, async () =>
        {
            using SerialPort port = ProvisioningConsoleService.Open(_pty.StationPath);
            var replies = await ExchangeAsync(port, ["LOCK", "SET Appliance:Board x", "INFO", "HELLO"], "OK APPLIANCE-PROVISION");
            return (0, replies);
        });
        Assert.Contains("OK locked", progress);
        Assert.Contains("ERR 423 locked", progress);
        Assert.Contains("locked: yes", progress);
    }

    [Fact]
    public async Task MismatchingCertificate_FailsTheCertStep()
    {
        string profile = WriteProfile();
        using var ca = new TestCa();
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string otherCsr = new CertificateRequest("CN=branch1.example.com", otherKey, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using X509Certificate2 wrong = ca.Sign(otherCsr);
        string certificatePath = Path.Combine(_work, "wrong.crt");
        File.WriteAllText(certificatePath, wrong.ExportCertificatePem() + "\n" + ca.Pem);

        var (exit, progress) = await WithServiceAsync(false, () =>
            StationAsync(new StationOptions { ProfilePath = profile, CertificatePath = certificatePath, Lock = true }));
        Assert.Equal(ProvisioningStation.ExitStepFailed, exit);
        Assert.Contains("FAILED at CERT (", progress);
        Assert.Contains("ERR 409 certificate does not match the device key", progress);
        Assert.False(File.Exists(_box.Layout.DeviceCertificate));
        Assert.False(File.Exists(_box.Layout.FactoryConfig));
        Assert.False(_box.Store.IsLocked);
    }

    [Fact]
    public async Task Garbage_OverLongLines_AndAYankedCableMidPem_AreSurvived()
    {
        string profile = WriteProfile().Replace("unit.json", "psk.json");
        File.WriteAllText(profile, Profile.Replace("\"Auth\": \"cert\"", "\"Auth\": \"psk\", \"PskFile\": \"/etc/appliance/dc.psk\""));
        using var ca = new TestCa();
        await WithServiceAsync(false, async () =>
        {
            string before = "none";
            using (SerialPort port = ProvisioningConsoleService.Open(_pty.StationPath))
            {
                var noise = new byte[3000];
                new Random(7).NextBytes(noise);
                port.BaseStream.Write(noise);                                           // baud-rate mismatch noise
                port.BaseStream.Write(Encoding.ASCII.GetBytes("\n" + new string('X', 5000) + "\n")); // over-long line
                port.BaseStream.Write([0x00, 0x01, 0xFE, 0x0A]);                         // binary garbage
                string[] pem = Pem.Lines(ca.Pem);
                // A half-sent PEM, then the cable is pulled mid-line.
                port.BaseStream.Write(Encoding.ASCII.GetBytes("CACERT\n" + string.Join('\n', pem.Take(3)) + "\n" + pem[3][..20]));
                port.BaseStream.Flush();
                await Task.Delay(300);
            }
            Assert.False(File.Exists(_box.Layout.CaCertificate));
            Assert.Equal(before, File.Exists(_box.Layout.FactoryConfig) ? "present" : "none");

            var (exit, progress) = await StationAsync(new StationOptions { ProfilePath = profile, Lock = true });
            Assert.True(exit == 0, progress);
            return 0;
        });
        JsonNode root = JsonNode.Parse(File.ReadAllText(_box.Layout.FactoryConfig))!;
        Assert.Equal("/etc/appliance/dc.psk", (string?)root["Appliance"]!["Tunnels"]!["dc"]!["PskFile"]);
        Assert.False(File.Exists(_box.Layout.CaCertificate));
        Assert.True(_box.Store.IsLocked);
        _logger.AssertNoneContains(Psk);
    }

    [Fact]
    public async Task StalledPem_TimesOutOverTheWire()
    {
        using var ca = new TestCa();
        string replies = await WithServiceAsync(false, async () =>
        {
            using SerialPort port = ProvisioningConsoleService.Open(_pty.StationPath);
            port.BaseStream.Write(Encoding.ASCII.GetBytes("CACERT\n" + string.Join('\n', Pem.Lines(ca.Pem).Take(2)) + "\n"));
            port.BaseStream.Flush();
            return await ReadUntilAsync(port, "ERR 408", TimeSpan.FromSeconds(10));
        });
        Assert.Contains("ERR 408 PEM not completed in time", replies);
    }

    /// <summary>Until the service has its end open, what the station sends is discarded: probe with HELLO.</summary>
    private async Task WaitForBoxAsync()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using SerialPort probe = ProvisioningConsoleService.Open(_pty.StationPath);
            probe.BaseStream.Write(Encoding.ASCII.GetBytes("\nHELLO\n"));
            probe.BaseStream.Flush();
            if ((await ReadUntilAsync(probe, "OK APPLIANCE-PROVISION", TimeSpan.FromSeconds(1))).Contains("OK APPLIANCE-PROVISION")) return;
        }
        throw new TimeoutException("the console service never answered");
    }

    private static async Task<string> ExchangeAsync(SerialPort port, string[] lines, string until)
    {
        port.BaseStream.Write(Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n"));
        port.BaseStream.Flush();
        return await ReadUntilAsync(port, until, TimeSpan.FromSeconds(10));
    }

    private static async Task<string> ReadUntilAsync(SerialPort port, string marker, TimeSpan timeout)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[1024];
        using var cts = new CancellationTokenSource(timeout);
        while (!text.ToString().Contains(marker))
        {
            int read;
            try { read = await port.BaseStream.ReadAsync(buffer, cts.Token); }
            catch (OperationCanceledException) { break; }
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString();
    }

    [Fact]
    public async Task UnpluggedAdapter_ServiceReopensThePort_StagedChangesSurvive()
    {
        string replies = await WithServiceAsync(false, async () =>
        {
            using (SerialPort port = ProvisioningConsoleService.Open(_pty.StationPath))
                Assert.Contains("OK staged Appliance:Board", await ExchangeAsync(port, ["SET Appliance:Board simulated"], "OK staged"));

            string directory = _pty.Directory;
            _pty.Unplug();
            await Task.Delay(500); // the service sees the port fail and starts retrying
            _pty = new PtyPair(directory);
            await WaitForBoxAsync();

            using SerialPort again = ProvisioningConsoleService.Open(_pty.StationPath);
            return await ExchangeAsync(again, ["", "GET Appliance:Board"], "OK simulated");
        });
        Assert.Contains("OK simulated", replies);
        Assert.Contains(_logger.Lines, l => l.Contains("Provisioning link failed") || l.Contains("unavailable"));
    }

    [Fact]
    public async Task GenericHost_RunsTheRegisteredService()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IProvisioningHardware>(_box.Hardware);
        builder.Services.AddSingleton<ILoggerFactory>(new CapturingLoggerFactory(_logger));
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddProvisioningConsole(_box.Layout,
            new ProvisioningConsoleOptions { Device = _pty.BoxPath },
            new ProvisioningSessionOptions { FirmwareVersion = "0.1.0" });
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            await WaitForBoxAsync();
            var (exit, progress) = await StationAsync(new StationOptions { ProfilePath = WriteProfile() });
            Assert.True(exit == 0, progress);
            Assert.Contains(_logger.Lines, l => l.Contains("Provisioning console on " + _pty.BoxPath));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Appliance.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The factory serial console: raw bytes through the line framing (LineAssembler: lengths, CR/LF, NUL, overlong
/// lines) into a provisioning session (commands, SET/COMMIT of settings, KEYGEN/CSR, CERT/CACERT PEM collection), on
/// an in-memory store. The session answers storage and hardware failures with ERR 500; nothing here fails, so an
/// ERR 500 is an exception in the session's own parsing: a finding.
/// </summary>
public sealed class ProvisioningLinesHarness : IHarness
{
    public string Name => "provision-lines";
    public string Description => "serial console bytes -> LineAssembler -> provisioning session (commands, PEM collection)";

    public void Run(ReadOnlySpan<byte> input)
    {
        var session = new ProvisioningSession(new QuietHardware(), new MemoryStore(),
            new ProvisioningSessionOptions { FirmwareVersion = "0.1.0", ProvisioningMode = true }, FixedTime.Instance, NullLogger.Instance);
        var assembler = new LineAssembler(ProvisioningTransport.DefaultMaxLineLength);
        var events = new List<LineEvent>();
        assembler.Push(input, events);
        foreach (LineEvent e in events)
            foreach (string reply in session.HandleAsync(e).GetAwaiter().GetResult())
                if (reply.StartsWith($"ERR {ProtocolReplies.InternalError}", StringComparison.Ordinal))
                    throw new FuzzFindingException($"provisioning session answered '{reply}' to '{e.Line}'");
    }

    public IEnumerable<byte[]> Seeds()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Fuzz CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        string pem = ca.ExportCertificatePem().Replace("\r", "", StringComparison.Ordinal);
        yield return Encoding.ASCII.GetBytes("HELLO\nINFO\nHELP\nGET Appliance:Wan:Interface\n");
        yield return Encoding.ASCII.GetBytes("SET Appliance:Tunnels:hq:RemoteAddress 203.0.113.9\nSET Appliance:Tunnels:hq:Psk s3cret\nGET Appliance:Tunnels:hq:RemoteAddress\nCOMMIT\nUNSET Appliance:Tunnels:hq:Psk\nABORT\n");
        yield return Encoding.ASCII.GetBytes("KEYGEN\nCSR\nCACERT\n" + pem + "CERT\n" + pem + "INFO\n");
        yield return Encoding.ASCII.GetBytes("TEST LEDS\r\nTEST BUTTON\r\nTEST CRYPTO\r\nLOCK\r\nHELLO\r\n");
        yield return [.. Encoding.ASCII.GetBytes("CACERT\n-----BEGIN CERTIFICATE-----\n"), 0, 0xff, (byte)'\n', .. new byte[1100], (byte)'\n'];
    }

    private sealed class QuietHardware : IProvisioningHardware
    {
        public string SerialNumber => "FUZZ-0001";
        public string BoardName => "simulated";
        public IReadOnlyList<(string Nic, string Mac)> Macs { get; } = [("wan0", "02:00:00:00:00:01"), ("lan0", "02:00:00:00:00:02")];
        public Task WalkLedsAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<bool> WaitForButtonAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);
        public IReadOnlyList<(string Name, bool Passed)> RunCryptoSelfTest() => [("fuzz", true)];
    }

    /// <summary>The store's contract without files: a fuzz run must not touch the disk thousands of times a second.</summary>
    private sealed class MemoryStore : IProvisioningStore
    {
        private string? _factory, _key, _cert, _ca;
        public string? ReadFactoryConfiguration() => _factory;
        public void WriteFactoryConfiguration(string json) => _factory = json;
        public string? ReadDeviceKey() => _key;
        public void WriteDeviceKey(string pkcs8Pem) => _key = pkcs8Pem;
        public string? ReadDeviceCertificate() => _cert;
        public void WriteDeviceCertificate(string pem) => _cert = pem;
        public void DeleteDeviceCertificate() => _cert = null;
        public string? ReadCaCertificate() => _ca;
        public void WriteCaCertificate(string pem) => _ca = pem;
        public bool IsLocked { get; private set; }
        public void Lock() => IsLocked = true;
    }
}

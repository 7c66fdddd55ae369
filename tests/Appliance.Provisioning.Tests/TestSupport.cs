using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

// AtomicFile.CrashPoint is process-wide: tests that write state must not overlap with a crash test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Appliance.Provisioning.Tests;

internal sealed class FakeHardware : IProvisioningHardware
{
    public string SerialNumber { get; set; } = "APL-0001";
    public string BoardName { get; set; } = "simulated";
    public IReadOnlyList<(string Nic, string Mac)> Macs { get; set; } = [("wan0", "02:00:00:00:00:01"), ("lan0", "02:00:00:00:00:02")];
    public int LedWalks { get; private set; }
    public bool ButtonPressed { get; set; } = true;
    public TimeSpan? LastButtonTimeout { get; private set; }
    public IReadOnlyList<(string Name, bool Passed)> CryptoResults { get; set; } = [("aes-256-gcm", true), ("chacha20-poly1305", true)];

    public Task WalkLedsAsync(CancellationToken cancellationToken)
    {
        LedWalks++;
        return Task.CompletedTask;
    }

    public Task<bool> WaitForButtonAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        LastButtonTimeout = timeout;
        return Task.FromResult(ButtonPressed);
    }

    public IReadOnlyList<(string Name, bool Passed)> RunCryptoSelfTest() => CryptoResults;
}

/// <summary>Keeps every formatted log line (and its arguments) so tests can look for leaked secrets.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly List<string> _lines = new();

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string text = $"{logLevel}: {formatter(state, exception)} {exception}";
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
            text += " | " + string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value}"));
        lock (_lines) _lines.Add(text);
    }

    public void AssertNoneContains(string secret)
    {
        foreach (string line in Lines)
            Assert.DoesNotContain(secret, line);
    }
}

internal sealed class CapturingLogger<T> : ILogger<T>
{
    public CapturingLogger(CapturingLogger inner) => Inner = inner;
    public CapturingLogger Inner { get; }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => Inner.BeginScope(state);
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Inner.Log(logLevel, eventId, state, exception, formatter);
}

internal sealed class CapturingLoggerFactory(CapturingLogger logger) : ILoggerFactory
{
    public void AddProvider(ILoggerProvider provider) { }
    public ILogger CreateLogger(string categoryName) => logger;
    public void Dispose() { }
}

/// <summary>A box on a temporary state directory with a fake clock.</summary>
internal sealed class TestBox : IDisposable
{
    public TestBox()
    {
        Root = Directory.CreateTempSubdirectory("prv-state-").FullName;
        Layout = new StateLayout(Root);
        Store = new FileProvisioningStore(Layout);
    }

    public string Root { get; }
    public StateLayout Layout { get; }
    public FileProvisioningStore Store { get; }
    public FakeHardware Hardware { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    public CapturingLogger Logger { get; } = new();

    public ProvisioningSession NewSession(bool provisioningMode = false) =>
        new(Hardware, Store, new ProvisioningSessionOptions
        {
            FirmwareVersion = "0.1.0", ProvisioningMode = provisioningMode,
            Users = UserStoreFile.In(Layout), NtPasswordHash = FakeNtHash,
        }, Time, Logger);

    /// <summary>Stands in for MD4 (in the IKE library, which provisioning does not reference): 16 octets per password.</summary>
    public static byte[] FakeNtHash(string password) =>
        SHA256.HashData(System.Text.Encoding.Unicode.GetBytes(password))[..16];

    public void Dispose()
    {
        AtomicFile.CrashPoint = null;
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

internal static class SessionExtensions
{
    /// <summary>Sends one line and returns the reply's status line (asserting exactly one).</summary>
    public static async Task<string> SendAsync(this ProvisioningSession session, string line)
    {
        IReadOnlyList<string> reply = await session.HandleLineAsync(line);
        Assert.Single(reply, ProtocolReplies.IsStatusLine);
        Assert.True(ProtocolReplies.IsStatusLine(reply[^1]), "the status line comes last: " + string.Join(" | ", reply));
        return reply[^1];
    }

    public static async Task<IReadOnlyList<string>> SendLinesAsync(this ProvisioningSession session, IEnumerable<string> lines)
    {
        var all = new List<string>();
        foreach (string line in lines) all.AddRange(await session.HandleLineAsync(line));
        return all;
    }
}

/// <summary>A throw-away CA made with .NET's CertificateRequest, to sign the box's CSRs.</summary>
internal sealed class TestCa : IDisposable
{
    public TestCa(string name = "CN=Appliance Test CA")
    {
        Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, Key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
    }

    public ECDsa Key { get; }
    public X509Certificate2 Certificate { get; }
    public string Pem => Certificate.ExportCertificatePem();

    public X509Certificate2 Sign(string csrPem)
    {
        CertificateRequest request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.Default);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F;
        return request.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(3), serial);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

internal static class Pem
{
    public static string[] Lines(string pem) => pem.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string FromReply(IReadOnlyList<string> reply) =>
        string.Join('\n', reply.Where(l => !ProtocolReplies.IsStatusLine(l))) + "\n";
}

internal static class Processes
{
    /// <summary>Runs a tool (openssl) and returns exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

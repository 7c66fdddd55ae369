using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Common;

namespace Appliance.Provisioning.Tests;

public class SessionIdentityTests
{
    private static async Task<string> CsrAsync(ProvisioningSession session, string subject)
    {
        IReadOnlyList<string> reply = await session.HandleLineAsync("CSR " + subject);
        Assert.StartsWith("OK CSR", reply[^1]);
        return Pem.FromReply(reply);
    }

    [Fact]
    public async Task Keygen_WritesAnOwnerOnlyKey_AndRefusesToReplaceItWithoutForce()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        string reply = await session.SendAsync("KEYGEN ecdsa-p256");
        Assert.Matches("^OK key ecdsa-p256 spki-sha256=[0-9a-f]{64}$", reply);
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(box.Layout.DeviceKey));
        string key = File.ReadAllText(box.Layout.DeviceKey);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key);

        Assert.Equal("ERR 409 device key exists (KEYGEN --force replaces it)", await session.SendAsync("KEYGEN"));
        Assert.Equal(key, File.ReadAllText(box.Layout.DeviceKey));
        Assert.StartsWith("OK key", await session.SendAsync("KEYGEN --force"));
        Assert.NotEqual(key, File.ReadAllText(box.Layout.DeviceKey));
        Assert.Contains("key: ecdsa-p256", await session.HandleLineAsync("INFO"));
    }

    [Fact]
    public async Task Csr_VerifiesWithOpenssl_AndCarriesTheSubject()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal("ERR 404 no device key (KEYGEN first)", await session.SendAsync("CSR CN=x"));
        await session.SendAsync("KEYGEN");
        string csr = await CsrAsync(session, "CN=branch1.example.com, O=Example Branch");
        string path = Path.Combine(box.Root, "unit.csr");
        File.WriteAllText(path, csr);

        var (exit, output) = Processes.Run("openssl", "req", "-in", path, "-noout", "-verify", "-subject", "-nameopt", "RFC2253");
        Assert.True(exit == 0, output);
        Assert.Contains("verify OK", output, StringComparison.OrdinalIgnoreCase);
        string subjectLine = output.Split('\n').Single(l => l.StartsWith("subject=", StringComparison.Ordinal));
        Assert.Contains("CN=branch1.example.com", subjectLine);
        Assert.Contains("O=Example Branch", subjectLine);
        // The CSR's public key is the device key's.
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(box.Layout.DeviceKey));
        var request = CertificateRequest.LoadSigningRequestPem(csr, HashAlgorithmName.SHA256);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), request.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal("ERR 400 usage: CSR <subject>, e.g. CSR CN=branch1.example.com, O=Example", await session.SendAsync("CSR not a name"));
    }

    [Fact]
    public async Task Cert_SignedByTheCa_Installs_AndChainsToCacert()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        using X509Certificate2 certificate = ca.Sign(await CsrAsync(session, "CN=branch1.example.com"));

        IReadOnlyList<string> reply = await session.SendLinesAsync(["CACERT", .. Pem.Lines(ca.Pem)]);
        Assert.StartsWith("OK CA certificate installed subject=CN=Appliance Test CA", Assert.Single(reply));
        reply = await session.SendLinesAsync(["CERT", .. Pem.Lines(certificate.ExportCertificatePem())]);
        Assert.StartsWith("OK certificate installed subject=CN=branch1.example.com; expires=", Assert.Single(reply));

        using var stored = X509Certificate2.CreateFromPem(File.ReadAllText(box.Layout.DeviceCertificate));
        Assert.Equal(certificate.RawData, stored.RawData);
        Assert.Equal(AtomicFile.PublicMode, File.GetUnixFileMode(box.Layout.DeviceCertificate));
        IReadOnlyList<string> info = await session.HandleLineAsync("INFO");
        Assert.Contains(info, l => l.StartsWith("certificate: subject=CN=branch1.example.com; expires=20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cert_ForAnotherKey_IsRefused()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        string csrForOldKey = await CsrAsync(session, "CN=branch1.example.com");
        await session.SendAsync("KEYGEN --force");
        using X509Certificate2 stale = ca.Sign(csrForOldKey);

        IReadOnlyList<string> reply = await session.SendLinesAsync(["CERT", .. Pem.Lines(stale.ExportCertificatePem())]);
        Assert.Equal("ERR 409 certificate does not match the device key", Assert.Single(reply));
        Assert.False(File.Exists(box.Layout.DeviceCertificate));
    }

    [Fact]
    public async Task Cert_FromAnotherCa_IsRefused()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        using var rogue = new TestCa("CN=Rogue CA");
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        using X509Certificate2 certificate = rogue.Sign(await CsrAsync(session, "CN=branch1.example.com"));
        await session.SendLinesAsync(["CACERT", .. Pem.Lines(ca.Pem)]);

        IReadOnlyList<string> reply = await session.SendLinesAsync(["CERT", .. Pem.Lines(certificate.ExportCertificatePem())]);
        Assert.StartsWith("ERR 409 certificate does not chain to the CA certificate", Assert.Single(reply));
        Assert.False(File.Exists(box.Layout.DeviceCertificate));
    }

    [Fact]
    public async Task Cacert_ThatTheInstalledCertificateDoesNotChainTo_IsRefused()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        using var rogue = new TestCa("CN=Rogue CA");
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        using X509Certificate2 certificate = ca.Sign(await CsrAsync(session, "CN=branch1.example.com"));
        await session.SendLinesAsync(["CERT", .. Pem.Lines(certificate.ExportCertificatePem())]);

        Assert.StartsWith("ERR 409 the installed device certificate does not chain",
            Assert.Single(await session.SendLinesAsync(["CACERT", .. Pem.Lines(rogue.Pem)])));
        Assert.StartsWith("ERR 409 not a CA certificate",
            Assert.Single(await session.SendLinesAsync(["CACERT", .. Pem.Lines(certificate.ExportCertificatePem())])));
        Assert.StartsWith("OK CA certificate installed", Assert.Single(await session.SendLinesAsync(["CACERT", .. Pem.Lines(ca.Pem)])));
    }

    [Fact]
    public async Task KeygenForce_DropsTheCertificateOfTheOldKey()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        using X509Certificate2 certificate = ca.Sign(await CsrAsync(session, "CN=branch1.example.com"));
        await session.SendLinesAsync(["CERT", .. Pem.Lines(certificate.ExportCertificatePem())]);
        Assert.True(File.Exists(box.Layout.DeviceCertificate));
        await session.SendAsync("KEYGEN --force");
        Assert.False(File.Exists(box.Layout.DeviceCertificate));
    }

    [Fact]
    public async Task PrivateKey_NeverAppearsInRepliesOrLogs()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        var replies = new List<string>();
        foreach (string line in (string[])["KEYGEN", "INFO", "CSR CN=a", "KEYGEN --force", "INFO", "HELP"])
            replies.AddRange(await session.HandleLineAsync(line));
        // PKCS#8 also carries the public key, which the CSR rightly shows: look for the private parts only.
        string firstKeyLine = Pem.Lines(File.ReadAllText(box.Layout.DeviceKey))[1];
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(box.Layout.DeviceKey));
        byte[] scalar = key.ExportParameters(true).D!;
        foreach (string secret in new[] { firstKeyLine, Convert.ToHexString(scalar), Convert.ToHexStringLower(scalar), Convert.ToBase64String(scalar) })
        {
            Assert.DoesNotContain(replies, r => r.Contains(secret));
            box.Logger.AssertNoneContains(secret);
        }
    }
}

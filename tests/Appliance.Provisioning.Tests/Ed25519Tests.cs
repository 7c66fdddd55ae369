using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Common;

namespace Appliance.Provisioning.Tests;

public class Ed25519Tests
{
    // RFC 8032 §7.1, TEST 2 (one-byte message 0x72).
    private const string Test2Secret = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    private const string Test2Public = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    private const string Test2Signature =
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    // RFC 8032 §7.1, TEST 1 (empty message).
    private const string Test1Secret = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    private const string Test1Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private const string Test1Signature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    [Theory]
    [InlineData(Test1Secret, Test1Public, "", Test1Signature)]
    [InlineData(Test2Secret, Test2Public, "72", Test2Signature)]
    public void OpenSslEd25519_MatchesRfc8032Vectors(string secret, string publicKey, string message, string signature)
    {
        Assert.True(Ed25519OpenSsl.IsSupported);
        byte[] seed = Convert.FromHexString(secret);
        Assert.Equal(publicKey, Convert.ToHexStringLower(Ed25519OpenSsl.PublicKeyFromSeed(seed)));
        Assert.Equal(signature, Convert.ToHexStringLower(Ed25519OpenSsl.Sign(seed, Convert.FromHexString(message))));
    }

    [Fact]
    public void Pkcs8Encoding_FollowsRfc8410_AndOpensslReadsIt()
    {
        byte[] seed = Convert.FromHexString(Test2Secret);
        string pem = Ed25519Key.ToPkcs8Pem(seed);
        // RFC 8410 §10.3 shows the layout: 302e 020100 300506032b6570 04220420 <seed>.
        byte[] der = Convert.FromBase64String(string.Concat(Pem.Lines(pem)[1..^1]));
        Assert.Equal("302e020100300506032b657004220420" + Test2Secret, Convert.ToHexStringLower(der));
        Assert.Equal(seed, Ed25519Key.SeedFromPkcs8(der));

        string path = Path.Combine(Path.GetTempPath(), "prv-ed25519-" + Guid.NewGuid() + ".pem");
        try
        {
            File.WriteAllText(path, pem);
            var (exit, output) = Processes.Run("openssl", "pkey", "-in", path, "-noout", "-text");
            Assert.True(exit == 0, output);
            Assert.Contains("ED25519 Private-Key", output);
            Assert.Contains(Test2Public[..4], output.Replace(":", "").Replace(" ", "").Replace("\n", ""));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task KeygenEd25519_CsrVerifiesWithOpenssl_AndACaSignedCertificateInstalls()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        Assert.Matches("^OK key ed25519 spki-sha256=[0-9a-f]{64}$", await session.SendAsync("KEYGEN ed25519"));
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(box.Layout.DeviceKey));
        Assert.Contains("key: ed25519", await session.HandleLineAsync("INFO"));

        IReadOnlyList<string> reply = await session.HandleLineAsync("CSR CN=branch1.example.com, O=Example");
        Assert.Equal("OK CSR CN=branch1.example.com, O=Example", reply[^1]);
        string csr = Pem.FromReply(reply);
        string path = Path.Combine(box.Root, "ed.csr");
        File.WriteAllText(path, csr);
        var (exit, output) = Processes.Run("openssl", "req", "-in", path, "-noout", "-verify", "-text");
        Assert.True(exit == 0, output);
        Assert.Contains("verify OK", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Public Key Algorithm: ED25519", output);
        Assert.Contains("Signature Algorithm: ED25519", output);
        Assert.Contains("CN = branch1.example.com", output);

        // .NET cannot check an Ed25519 signature: OpenSSL did above, so the CA skips it.
        var request = CertificateRequest.LoadSigningRequestPem(csr, HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.SkipSignatureValidation);
        using X509Certificate2 certificate = request.Create(ca.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(ca.Key),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), [0x01, 0x42]);
        Assert.StartsWith("OK CA certificate installed", Assert.Single(await session.SendLinesAsync(["CACERT", .. Pem.Lines(ca.Pem)])));
        Assert.StartsWith("OK certificate installed subject=CN=branch1.example.com",
            Assert.Single(await session.SendLinesAsync(["CERT", .. Pem.Lines(certificate.ExportCertificatePem())])));

        // A certificate for an ECDSA key is not this device's.
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 wrong = ca.Sign(new CertificateRequest("CN=branch1.example.com", other, HashAlgorithmName.SHA256).CreateSigningRequestPem());
        Assert.Equal("ERR 409 certificate does not match the device key",
            Assert.Single(await session.SendLinesAsync(["CERT", .. Pem.Lines(wrong.ExportCertificatePem())])));

        // The seed never shows in replies or logs.
        byte[] seed = Ed25519Key.SeedFromPkcs8(Convert.FromBase64String(string.Concat(Pem.Lines(File.ReadAllText(box.Layout.DeviceKey))[1..^1])));
        box.Logger.AssertNoneContains(Convert.ToHexStringLower(seed));
        box.Logger.AssertNoneContains(Convert.ToBase64String(seed));
    }
}

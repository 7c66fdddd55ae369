using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// "Auth": "cert" end to end: the published binary against strongSwan 5.9.8 with auth = pubkey. A test CA issues
/// ECDSA P-256 certificates for the box (branch1.example.com) and HQ (hq.example.com); the box reads the identity that
/// factory provisioning leaves in the state directory (identity/device.key, device.crt, ca.crt), or per-tunnel files.
/// </summary>
public sealed class CertificateAuthTests(ITestOutputHelper output) : IDisposable
{
    private const string Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";
    private readonly string _dir = Directory.CreateTempSubdirectory("appliance-cert-").FullName;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2? _ca;

    private X509Certificate2 Ca => _ca ??= CreateCa();

    private X509Certificate2 CreateCa()
    {
        var req = new CertificateRequest("CN=Appliance Test Root CA, O=Example", _caKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
    }

    /// <summary>Key (PKCS#8 PEM, as provisioning writes it) and certificate PEM for <paramref name="dns"/>, signed by the test CA.</summary>
    private (string KeyPem, string CertPem) Issue(string dns, string kind = "p256")
    {
        if (kind == "ed25519")
            return IssueEd25519(dns);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={dns}, O=Example", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 cert = req.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        return (key.ExportPkcs8PrivateKeyPem(), cert.ExportCertificatePem());
    }

    /// <summary>An Ed25519 key as provisioning's KEYGEN ed25519 writes it (PKCS#8, RFC 8410 §7) and a certificate the CA signed for it.</summary>
    private (string KeyPem, string CertPem) IssueEd25519(string dns)
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        using var signer = new Appliance.Ike.Ed25519Signer(seed);
        var pkcs8 = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (pkcs8.PushSequence())
        {
            pkcs8.WriteInteger(0);
            using (pkcs8.PushSequence()) pkcs8.WriteObjectIdentifier(Appliance.Ike.Ed25519Signer.Oid);
            var inner = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            inner.WriteOctetString(seed);
            pkcs8.WriteOctetString(inner.Encode());
        }
        var spki = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence()) spki.WriteObjectIdentifier(Appliance.Ike.Ed25519Signer.Oid);
            spki.WriteBitString(signer.PublicKey);
        }
        var req = new CertificateRequest(new X500DistinguishedName($"CN={dns}, O=Example"),
            PublicKey.CreateFromSubjectPublicKeyInfo(spki.Encode(), out _), HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 cert = req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        return (PemEncoding.WriteString("PRIVATE KEY", pkcs8.Encode()), cert.ExportCertificatePem());
    }

    /// <summary>strongSwan's side: its certificate in x509, key in ecdsa (SEC1 PEM), our CA in x509ca.</summary>
    private void PrepareHq(string dir)
    {
        (string keyPem, string certPem) = Issue(HqTopology.HqId);
        foreach (string d in new[] { "x509", "x509ca", "ecdsa" })
            Directory.CreateDirectory(Path.Combine(dir, d));
        File.WriteAllText(Path.Combine(dir, "x509", "hq.pem"), certPem);
        File.WriteAllText(Path.Combine(dir, "x509ca", "ca.pem"), Ca.ExportCertificatePem());
        using var key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        File.WriteAllText(Path.Combine(dir, "ecdsa", "hq.pem"), key.ExportECPrivateKeyPem());
    }

    private static string SwanctlConf(string startAction = "none") => $$"""
        connections {
          box {
            version = 2
            local_addrs = {{HqTopology.HqWan}}
            remote_addrs = {{HqTopology.BoxWan}}
            proposals = {{Ike}}
            encap = yes
            dpd_delay = 0
            local {
              auth = pubkey
              certs = hq.pem
              id = {{HqTopology.HqId}}
            }
            remote {
              auth = pubkey
              id = {{HqTopology.BoxId}}
            }
            children {
              net {
                local_ts = {{HqTopology.HqSubnet}}
                remote_ts = {{HqTopology.BoxSubnet}}
                esp_proposals = {{Esp}}
                start_action = {{startAction}}
              }
            }
          }
        }
        """;

    /// <summary>The box's section with Auth cert; <paramref name="extra"/> adds per-tunnel keys (paths).</summary>
    private static string BoxSection(string start, bool withLocalId, string extra = "")
    {
        string psk = HqTopology.BoxConfig(Ike, Esp, "unused", start: start);
        string section = psk.Replace("\"Auth\": \"psk\", \"Psk\": \"unused\",", "\"Auth\": \"cert\"," + extra);
        if (!withLocalId)
            section = section.Replace($"\"LocalId\": \"{HqTopology.BoxId}\", ", "");
        Assert.Contains("\"Auth\": \"cert\"", section);
        return section;
    }

    /// <summary>What factory provisioning leaves behind: identity/device.key (0600), device.crt, ca.crt.</summary>
    private string ProvisionedState(string kind = "p256")
    {
        string state = Path.Combine(_dir, "state");
        string identity = Path.Combine(state, "identity");
        Directory.CreateDirectory(identity);
        (string keyPem, string certPem) = Issue(HqTopology.BoxId, kind);
        File.WriteAllText(Path.Combine(identity, "device.key"), keyPem);
        File.SetUnixFileMode(Path.Combine(identity, "device.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(identity, "device.crt"), certPem);
        File.WriteAllText(Path.Combine(identity, "ca.crt"), Ca.ExportCertificatePem());
        return state;
    }

    private static void AssertPing(HqTopology topo, ITestOutputHelper output)
    {
        var ping = Netns.Try(topo.LanHost, "ping", "-c", "5", "-i", "0.2", "-W", "2", HqTopology.HqHostAddress);
        output.WriteLine(ping.All);
        Assert.True(ping.ExitCode == 0, "LAN → HQ ping failed: " + ping.All);
        var back = Netns.Try(topo.HqHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", HqTopology.LanHostAddress);
        Assert.True(back.ExitCode == 0, "HQ → LAN ping failed: " + back.All);
    }

    [Theory]
    [InlineData("p256", "ECDSA_WITH_SHA256_DER")]
    [InlineData("ed25519", "ED25519")]
    public void BoxInitiates_WithTheProvisionedIdentity_StrongSwanVerifiesIt_AndPingsCrossTheTunnel(string kind, string scheme)
    {
        string state = ProvisionedState(kind);
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, SwanctlConf(), PrepareHq);
        // No LocalId: it defaults to the certificate's dNSName, branch1.example.com.
        using var box = new ApplianceProcess(topo.Box, BoxSection("always", withLocalId: false), $"--Appliance:StateDirectory={state}");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "strongSwan never installed the Child SA");
            string sas = hq.ListSas();
            Assert.Contains($"remote '{HqTopology.BoxId}'", sas);
            Assert.Contains($"local  '{HqTopology.HqId}'", sas);
            Assert.Contains($"authentication of '{HqTopology.BoxId}' with {scheme} successful", hq.Log);
            AssertPing(topo, output);
            Assert.DoesNotContain("PRIVATE KEY", box.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }

    /// <summary>
    /// IKE fragmentation (RFC 7383) through the service's options: with 576-octet datagrams on both sides, each side's
    /// IKE_AUTH (certificate, CERTREQ, AUTH) goes out as SKF fragments, and the other side puts it back together.
    /// </summary>
    [Fact]
    public void CertificateIkeAuth_TooBigForTheDatagramSize_TravelsAsIkeFragments_BothWays()
    {
        string state = ProvisionedState();
        using var topo = new HqTopology();
        string pcap = Path.Combine(_dir, "ike.pcap");
        using var tcpdump = BackgroundProcess.Tcpdump(topo.Hq, "eth0", pcap, "udp port 500 or udp port 4500 or (ip[6:2] & 0x3fff != 0)");
        using var hq = new StrongSwanPeer(topo.Hq, SwanctlConf(), PrepareHq, charonSettings: "fragment_size = 576");
        using var box = new ApplianceProcess(topo.Box, BoxSection("always", withLocalId: false), $"--Appliance:StateDirectory={state}",
            "--Appliance:Ike:FragmentSize=576");
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "strongSwan never installed the Child SA");
            Assert.Matches(@"received fragment #\d+ of \d+, reassembled fragmented IKE message", hq.Log);
            Assert.Matches(@"splitting IKE message \(\d+ bytes\) into \d+ fragments", hq.Log);
            Assert.Contains($"authentication of '{HqTopology.BoxId}' with ECDSA_WITH_SHA256_DER successful", hq.Log);
            AssertPing(topo, output);
            // No IP fragment on the WAN: every IKE datagram fits the 576 octets both sides were given.
            tcpdump.Stop();
            var sizes = Tshark.Read(null, pcap, "isakmp || ip.flags.mf == 1 || ip.frag_offset > 0",
                "-T", "fields", "-e", "ip.len", "-e", "ip.flags.mf", "-e", "ip.frag_offset");
            output.WriteLine("IKE datagrams (ip.len, MF, offset):\n" + sizes);
            var rows = sizes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
            Assert.True(rows.Count >= 6, "fewer IKE datagrams than IKE_SA_INIT and a fragmented IKE_AUTH need: " + sizes);
            Assert.All(rows, r => Assert.True(int.Parse(r[0]) <= 576, "an IKE datagram over 576 octets: " + string.Join(' ', r)));
            Assert.All(rows, r => Assert.True(r[1] is "0" or "False" && r[2] is "0" or "", "an IP fragment on the WAN: " + string.Join(' ', r)));
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }

    [Fact]
    public void StrongSwanInitiates_BoxUsesPerTunnelCertificateFiles()
    {
        string files = Path.Combine(_dir, "files");
        Directory.CreateDirectory(files);
        (string keyPem, string certPem) = Issue(HqTopology.BoxId);
        File.WriteAllText(Path.Combine(files, "box.key"), keyPem);
        File.WriteAllText(Path.Combine(files, "box.crt"), certPem);
        File.WriteAllText(Path.Combine(files, "ca.crt"), Ca.ExportCertificatePem());
        string extra = $" \"Certificate\": \"{files}/box.crt\", \"PrivateKey\": \"{files}/box.key\", \"CaCertificates\": [ \"{files}/ca.crt\" ],";
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, SwanctlConf(), PrepareHq);
        using var box = new ApplianceProcess(topo.Box, BoxSection("none", withLocalId: true, extra));
        try
        {
            Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(15)), "the box did not start: " + box.Log);
            var r = hq.TryInitiate("net");
            Assert.True(r.ExitCode == 0, "swanctl --initiate failed: " + r.All);
            string sas = hq.ListSas();
            Assert.Contains("ESTABLISHED", sas);
            Assert.Contains($"remote '{HqTopology.BoxId}'", sas);
            Assert.Contains("INSTALLED", sas);
            AssertPing(topo, output);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
            output.WriteLine("---- charon ----\n" + hq.Log);
        }
    }

    [Fact]
    public void MissingProvisionedIdentity_IsAConfigurationError_NamedByKey()
    {
        string config = Path.Combine(_dir, "appliance.json");
        string state = Path.Combine(_dir, "empty-state");
        File.WriteAllText(config, "{ \"Appliance\": " + BoxSection("always", withLocalId: false) + " }");
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", config, $"--Appliance:StateDirectory={state}");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains($"Appliance:Tunnels:hq:Certificate: '{state}/identity/device.crt' does not exist", r.StdErr);
        Assert.Contains($"Appliance:Tunnels:hq:PrivateKey: '{state}/identity/device.key' does not exist", r.StdErr);
        Assert.Contains($"Appliance:Tunnels:hq:CaCertificates: '{state}/identity/ca.crt' does not exist", r.StdErr);
        Assert.DoesNotContain("not implemented", r.All);
        Assert.DoesNotContain("Unhandled exception", r.All);
    }

    [Fact]
    public void UnusableKeyFile_IsNamedByKey_AndItsContentIsNeverPrinted()
    {
        string state = ProvisionedState();
        const string secret = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET";
        File.WriteAllText(Path.Combine(state, "identity", "device.key"), $"-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n");
        string config = Path.Combine(_dir, "appliance.json");
        File.WriteAllText(config, "{ \"Appliance\": " + BoxSection("always", withLocalId: false) + " }");
        var r = Shell.Run(ApplianceProcess.Binary, "run", "--config", config, $"--Appliance:StateDirectory={state}");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:PrivateKey:", r.StdErr);
        Assert.DoesNotContain("SECRET", r.All);
        Assert.DoesNotContain("Appliance:Tunnels:hq:Certificate:", r.StdErr);

        // A valid key that is not the certificate's is named too.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(state, "identity", "device.key"), other.ExportPkcs8PrivateKeyPem());
        r = Shell.Run(ApplianceProcess.Binary, "run", "--config", config, $"--Appliance:StateDirectory={state}");
        Assert.Equal(78, r.ExitCode);
        Assert.Contains("Appliance:Tunnels:hq:PrivateKey: the private key does not belong to the certificate", r.StdErr);
    }

    public void Dispose()
    {
        _ca?.Dispose();
        _caKey.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Ike.Tests.Certificates;

namespace Appliance.Ike.Tests.Interop;

/// <summary>
/// Certificate authentication against strongSwan 5.9.8 (charon, auth = pubkey): a test CA issues ECDSA P-256
/// certificates for charon (hq-cert.example.com) and for the engine (branch-cert.example.com); charon loads them from
/// swanctl/x509ca, x509 and ecdsa next to the fixture's swanctl.conf, with a "cert" connection added through an
/// include so the fixture's other connections stay loaded.
/// </summary>
[Collection("charon")]
public sealed class CertificateInteropTests : IDisposable
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CharonPeer _charon;
    private readonly TestPki _pki = new("Interop Root CA", DateTimeOffset.UtcNow);
    private readonly IkeCertificateCredential _ours;

    public CertificateInteropTests(CharonPeer charon, Xunit.Abstractions.ITestOutputHelper output)
    {
        _charon = charon;
        _output = output;
        _ours = _pki.Credential("p256", "branch-cert.example.com");
        string swanctl = Path.Combine(Path.GetDirectoryName(charon.LogPath)!, "swanctl");
        Directory.CreateDirectory(Path.Combine(swanctl, "ecdsa"));
        using var hqKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 hq = _pki.Issue(hqKey, "hq-cert.example.com");
        File.WriteAllText(Path.Combine(swanctl, "x509ca", "interop-ca.pem"), _pki.Ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(swanctl, "x509", "hq-cert.pem"), hq.ExportCertificatePem());
        File.WriteAllText(Path.Combine(swanctl, "ecdsa", "hq-cert.pem"), hqKey.ExportECPrivateKeyPem());
        File.WriteAllText(Path.Combine(swanctl, "cert.conf"), """
            include swanctl.conf
            connections {
              cert {
                local_addrs = 10.97.0.2
                remote_addrs = 10.97.0.1
                proposals = aes256gcm16-prfsha256-curve25519
                local { auth = pubkey
                        certs = hq-cert.pem
                        id = hq-cert.example.com }
                remote { auth = pubkey
                         id = branch-cert.example.com }
                children { certnet { local_ts = 10.2.0.0/16
                                     remote_ts = 10.1.0.0/16
                                     esp_proposals = aes256gcm16 } }
              }
            }
            """);
        string loaded = charon.Swanctl($"--load-all --file {Path.Combine(swanctl, "cert.conf")}");
        Assert.True(loaded.Contains("loaded ECDSA key from", StringComparison.Ordinal) && loaded.Contains("loaded connection 'cert'", StringComparison.Ordinal),
            loaded);
    }

    private IkeTunnelConfig Config(bool initiator, string kind) => Config(initiator) with
    {
        Certificate = kind == "p256" ? _ours : _pki.Credential(kind, "branch-cert.example.com"),
    };

    private IkeTunnelConfig Config(bool initiator) =>
        new("c", IPAddress.Parse(CharonPeer.EngineAddress), initiator ? IPAddress.Parse(CharonPeer.CharonAddress) : null,
            IkeIdentity.Parse("branch-cert.example.com"), IkeIdentity.Parse("hq-cert.example.com"), [],
            [TrafficSelector.Parse("10.1.0.0/16")], [TrafficSelector.Parse("10.2.0.0/16")], ["aes256gcm16-prfsha256-curve25519"], ["aes256gcm16"],
            StartAction.None, IpsecMode.Tunnel, ForceUdpEncapsulation: false)
        { Certificate = _ours };

    [Theory]
    [InlineData("p256", "ECDSA_WITH_SHA256_DER")]
    [InlineData("ed25519", "ED25519")]
    public void We_initiate_and_charon_accepts_our_certificate(string kind, string scheme)
    {
        using var host = new UdpEngineHost(_charon, Config(initiator: true, kind));
        int before = OurSignaturesCharonVerified(scheme);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        host.Engine.Initiate("c");
        Assert.True(host.RunUntil(() => host.Events.Any(e => e is ChildSaEstablished or IkeSaFailed or AuthenticationFailed or PeerUnreachable), Timeout),
            "no outcome within the timeout");
        _output.WriteLine($"{kind}: IKE_SA_INIT + IKE_AUTH with certificates against charon in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Empty(host.Events.OfType<AuthenticationFailed>());
        IkeSaEstablished ike = Assert.Single(host.Events.OfType<IkeSaEstablished>());
        Assert.Equal("hq-cert.example.com", ike.RemoteId.ToString());
        Assert.Single(host.Events.OfType<ChildSaEstablished>());
        string sas = _charon.Swanctl("--list-sas --ike cert");
        Assert.Contains("ESTABLISHED", sas);
        Assert.Contains("hq-cert.example.com", sas);
        Assert.Contains("branch-cert.example.com", sas);
        // charon checked our RFC 7427 signature (method 14, ecdsa-with-SHA256) against the certificate we sent.
        Assert.Equal(before + 1, OurSignaturesCharonVerified(scheme));

        host.Engine.Terminate("c");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
    }

    [Theory]
    [InlineData("p256", "ECDSA_WITH_SHA256_DER")]
    [InlineData("ed25519", "ED25519")]
    public async Task Charon_initiates_and_we_accept_its_certificate(string kind, string scheme)
    {
        using var host = new UdpEngineHost(_charon, Config(initiator: false, kind));
        int before = OurSignaturesCharonVerified(scheme);
        var initiate = Task.Run(() => _charon.Swanctl("--initiate --ike cert --child certnet --timeout 15"));
        Assert.True(host.RunUntil(() => (host.Events.OfType<ChildSaEstablished>().Any() || host.Events.OfType<AuthenticationFailed>().Any())
            && initiate.IsCompleted, Timeout));
        string output = await initiate;
        Assert.Empty(host.Events.OfType<AuthenticationFailed>());
        Assert.Contains("initiate completed successfully", output);
        IkeSaEstablished ike = Assert.Single(host.Events.OfType<IkeSaEstablished>());
        Assert.False(ike.IsInitiator);
        Assert.Equal("hq-cert.example.com", ike.RemoteId.ToString());
        Assert.Contains("ESTABLISHED", _charon.Swanctl("--list-sas --ike cert"));
        Assert.Equal(before + 1, OurSignaturesCharonVerified(scheme));

        var terminate = Task.Run(() => _charon.Swanctl("--terminate --ike cert --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any() && terminate.IsCompleted, Timeout));
    }

    [Fact]
    public void Charon_refuses_a_certificate_from_another_CA()
    {
        using var rogue = new TestPki("Rogue CA", DateTimeOffset.UtcNow);
        IkeTunnelConfig config = Config(initiator: true) with { Certificate = rogue.Credential("p256", "branch-cert.example.com", trust: _pki) };
        using var host = new UdpEngineHost(_charon, config);
        host.Engine.Initiate("c");
        Assert.True(host.RunUntil(() => host.Events.Any(e => e is ChildSaEstablished or IkeSaFailed or AuthenticationFailed or PeerUnreachable), Timeout));
        Assert.Contains("AUTHENTICATION_FAILED", Assert.Single(host.Events.OfType<AuthenticationFailed>()).Detail);
        Assert.Empty(host.Events.OfType<ChildSaEstablished>());
    }

    /// <summary>How often charon logged that our RFC 7427 signature (method 14) of <paramref name="scheme"/> verified with our certificate.</summary>
    private int OurSignaturesCharonVerified(string scheme) =>
        File.ReadAllLines(_charon.LogPath).Count(l => l.Contains($"authentication of 'branch-cert.example.com' with {scheme} successful", StringComparison.Ordinal));

    public void Dispose() => _pki.Dispose();
}

using System.Net;
using System.Text.RegularExpressions;
using Appliance.Ike.Tests.Fragmentation;

namespace Appliance.Ike.Tests.Interop;

/// <summary>
/// IKE fragmentation (RFC 7383) against strongSwan 5.9.8: its own charon with charon.fragment_size = 576, RSA-2048
/// certificates from one root through an intermediate on both sides, so each IKE_AUTH (2–3 KB) must be split by the
/// sender and reassembled by the receiver. libipsec makes charon encapsulate, so IKE_AUTH runs on 4500 with the
/// non-ESP marker counted in the 576 octets.
/// </summary>
[Collection("charon")]
public sealed partial class FragmentationInteropTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const int FragmentSize = 576;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private readonly CharonPeer _charon = new(kernelLibipsec: true, "f", $"fragment_size = {FragmentSize}");
    private readonly RsaChainPki _pki = new(DateTimeOffset.UtcNow);

    public FragmentationInteropTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        string swanctl = Path.Combine(Path.GetDirectoryName(_charon.LogPath)!, "swanctl");
        Directory.CreateDirectory(Path.Combine(swanctl, "rsa"));
        (System.Security.Cryptography.X509Certificates.X509Certificate2 hq, System.Security.Cryptography.RSA hqKey) = _pki.Issue("hq-frag.example.com");
        using (hq)
        using (hqKey)
        {
            File.WriteAllText(Path.Combine(swanctl, "x509ca", "frag-root.pem"), _pki.Root.ExportCertificatePem());
            File.WriteAllText(Path.Combine(swanctl, "x509ca", "frag-intermediate.pem"), _pki.Intermediate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(swanctl, "x509", "hq-frag.pem"), hq.ExportCertificatePem());
            File.WriteAllText(Path.Combine(swanctl, "rsa", "hq-frag.pem"), hqKey.ExportRSAPrivateKeyPem());
        }
        File.WriteAllText(Path.Combine(swanctl, "frag.conf"), """
            include swanctl.conf
            connections {
              frag {
                local_addrs = 10.97.0.2
                remote_addrs = 10.97.0.1
                proposals = aes256gcm16-prfsha256-curve25519
                fragmentation = yes
                local { auth = pubkey
                        certs = hq-frag.pem
                        id = hq-frag.example.com }
                remote { auth = pubkey
                         id = branch-frag.example.com }
                children { fragnet { local_ts = 10.2.0.0/16
                                     remote_ts = 10.1.0.0/16
                                     esp_proposals = aes256gcm16 } }
              }
            }
            """);
        string loaded = _charon.Swanctl($"--load-all --file {Path.Combine(swanctl, "frag.conf")}");
        Assert.True(loaded.Contains("loaded RSA key from", StringComparison.Ordinal) && loaded.Contains("loaded connection 'frag'", StringComparison.Ordinal),
            loaded);
    }

    private IkeTunnelConfig Config(bool initiator) =>
        new("f", IPAddress.Parse(CharonPeer.EngineAddress), initiator ? IPAddress.Parse(CharonPeer.CharonAddress) : null,
            IkeIdentity.Parse("branch-frag.example.com"), IkeIdentity.Parse("hq-frag.example.com"), [],
            [TrafficSelector.Parse("10.1.0.0/16")], [TrafficSelector.Parse("10.2.0.0/16")], ["aes256gcm16-prfsha256-curve25519"], ["aes256gcm16"],
            StartAction.None, IpsecMode.Tunnel, ForceUdpEncapsulation: false)
        { Certificate = _pki.Credential("branch-frag.example.com") };

    private static IkeEngineOptions Options => new() { Fragmentation = true, FragmentSize = FragmentSize };

    [Fact]
    public void We_initiate_and_both_IKE_AUTH_messages_travel_in_fragments()
    {
        using var host = new UdpEngineHost(_charon, Config(initiator: true), Options);
        host.Engine.Initiate("f");
        Assert.True(host.RunUntil(() => host.Events.Any(e => e is ChildSaEstablished or IkeSaFailed or AuthenticationFailed or PeerUnreachable), Timeout),
            "no outcome within the timeout");
        Assert.Empty(host.Events.OfType<AuthenticationFailed>());
        Assert.Single(host.Events.OfType<ChildSaEstablished>());
        Assert.Contains("ESTABLISHED", _charon.Swanctl("--list-sas --ike frag"));
        AssertFragmentedBothWays(host, "IKE_AUTH request 1", "IKE_AUTH response 1");

        host.Engine.Terminate("f");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
    }

    [Fact]
    public async Task Charon_initiates_and_both_IKE_AUTH_messages_travel_in_fragments()
    {
        using var host = new UdpEngineHost(_charon, Config(initiator: false), Options);
        var initiate = Task.Run(() => _charon.Swanctl("--initiate --ike frag --child fragnet --timeout 15"));
        Assert.True(host.RunUntil(() => (host.Events.OfType<ChildSaEstablished>().Any() || host.Events.OfType<AuthenticationFailed>().Any())
            && initiate.IsCompleted, Timeout));
        string output = await initiate;
        Assert.Empty(host.Events.OfType<AuthenticationFailed>());
        Assert.Contains("initiate completed successfully", output);
        Assert.Contains("ESTABLISHED", _charon.Swanctl("--list-sas --ike frag"));
        AssertFragmentedBothWays(host, "IKE_AUTH response 1", "IKE_AUTH request 1");

        var terminate = Task.Run(() => _charon.Swanctl("--terminate --ike frag --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any() && terminate.IsCompleted, Timeout));
    }

    /// <summary>
    /// Charon reassembled our message (it logs each fragment it received and the reassembly) and split its own; we
    /// reassembled it: our counters agree with charon's fragment counts.
    /// </summary>
    private void AssertFragmentedBothWays(UdpEngineHost host, string ours, string theirs)
    {
        string[] log = File.ReadAllLines(_charon.LogPath);
        foreach (string line in log.Where(l => l.Contains("fragment", StringComparison.OrdinalIgnoreCase)))
            _output.WriteLine(line);
        Match received = log.Select(l => Reassembled().Match(l)).LastOrDefault(m => m.Success) ?? Match.Empty;
        Assert.True(received.Success, "charon never reassembled a fragmented message");
        int total = int.Parse(received.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total >= 3, $"our IKE_AUTH came in {total} fragments");
        Assert.Equal(total, host.Engine.Counters[IkeCounter.FragmentsSent]);
        Assert.Contains(log, l => l.Contains($"parsed {ours}", StringComparison.Ordinal));

        Match split = log.Select(l => Split().Match(l)).LastOrDefault(m => m.Success) ?? Match.Empty;
        Assert.True(split.Success, "charon never split a message");
        int theirTotal = int.Parse(split.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(log, l => l.Contains($"generating {theirs} [ EF(1/{theirTotal}) ]", StringComparison.Ordinal));
        Assert.Equal(theirTotal, host.Engine.Counters[IkeCounter.FragmentsReceived]);
        Assert.Equal(1, host.Engine.Counters[IkeCounter.MessagesReassembled]);
        Assert.Equal(0, host.Engine.Counters[IkeCounter.IntegrityCheckFailed] + host.Engine.Counters[IkeCounter.FragmentDropped]);

        // Every UDP payload either way fits a 576-octet IPv4 datagram (576 - 20 IP - 8 UDP), non-ESP marker included.
        List<int> sizes = log.Select(l => Packet().Match(l)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        _output.WriteLine($"packets: {string.Join(", ", sizes)}");
        Assert.True(sizes.Count >= 2 * total, $"charon logged {sizes.Count} packets");
        Assert.All(sizes, n => Assert.True(n <= FragmentSize - 28, $"a {n}-octet UDP payload"));
    }

    [GeneratedRegex(@"(?:received|sending) packet: from 10\.97\.0\.[12]\[\d+\] to .* \((\d+) bytes\)")]
    private static partial Regex Packet();

    [GeneratedRegex(@"received fragment #\d+ of (\d+), reassembled fragmented IKE message")]
    private static partial Regex Reassembled();

    [GeneratedRegex(@"splitting IKE message .* into (\d+) fragments")]
    private static partial Regex Split();

    public void Dispose()
    {
        _charon.Dispose();
        _pki.Dispose();
    }
}

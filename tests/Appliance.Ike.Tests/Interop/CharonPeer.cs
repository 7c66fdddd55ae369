using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Ike.Tests.Interop;

/// <summary>
/// A real strongSwan 5.9.8 charon in its own network namespace (TESTING.md §3): kernel-libipsec, explicit plugin
/// list with kdf, private /run, per-instance vici socket. Two namespaces joined by a veth: the engine side
/// (10.97.0.1) and charon's (10.97.0.2). Charon's file log at chd level 4 dumps Child SA keys so the test can
/// compare them with the engine's; it lives in a temporary directory deleted afterwards.
/// </summary>
public sealed partial class CharonPeer : IDisposable
{
    public const string EngineAddress = "10.97.0.1";
    public const string CharonAddress = "10.97.0.2";
    public const string Psk = "interop-secret-123";
    public const string CharonPath = "/usr/lib/ipsec/charon";

    private readonly string _dir;
    private readonly Process? _charon;
    private readonly bool _kernelLibipsec;

    public string EngineNs { get; }
    public string CharonNs { get; }
    public string LogPath => Path.Combine(_dir, "charon.log");
    private string Vici => $"unix://{_dir}/vici.sock";

    public CharonPeer() : this(kernelLibipsec: true, "")
    {
    }

    /// <param name="kernelLibipsec">false: charon's IPsec backend is kernel-netlink (this kernel has XFRM but neither ESP nor
    /// AH, so installing a Child SA fails after it was negotiated), and there is no faked NAT (libipsec forces UDP encapsulation).</param>
    /// <param name="tagSuffix">Keeps the namespaces of two instances in one test process apart.</param>
    /// <param name="charonSettings">Extra lines for the charon section of strongswan.conf (e.g. fragment_size).</param>
    internal CharonPeer(bool kernelLibipsec, string tagSuffix, string charonSettings = "")
    {
        if (!File.Exists(CharonPath))
            throw new InvalidOperationException($"{CharonPath} missing: run tools/install-deps.sh (strongswan-charon, strongswan-swanctl)");
        _kernelLibipsec = kernelLibipsec;
        string tag = tagSuffix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        EngineNs = $"ike-e{tag}";
        CharonNs = $"ike-c{tag}";
        _dir = Directory.CreateTempSubdirectory("ike-charon-").FullName;
        SetUpNamespaces();
        WriteConfig(charonSettings);
        string script = $"mount -t tmpfs none /run; STRONGSWAN_CONF={_dir}/strongswan.conf exec {CharonPath}";
        _charon = Process.Start(new ProcessStartInfo("ip", $"netns exec {CharonNs} unshare -m sh -c \"{script}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        _charon!.OutputDataReceived += (_, _) => { };
        _charon.ErrorDataReceived += (_, _) => { };
        _charon.BeginOutputReadLine();
        _charon.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(Path.Combine(_dir, "vici.sock")) && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        Swanctl($"--load-all --file {_dir}/swanctl/swanctl.conf");
    }

    private void SetUpNamespaces()
    {
        foreach (string ns in new[] { EngineNs, CharonNs })
        {
            NetworkNamespace.Run("ip", $"netns del {ns}", check: false);
            NetworkNamespace.Run("ip", $"netns add {ns}");
            NetworkNamespace.Run("ip", $"-n {ns} link set lo up");
        }
        NetworkNamespace.Run("ip", $"-n {EngineNs} link add ike-v0 type veth peer name ike-v1 netns {CharonNs}");
        NetworkNamespace.Run("ip", $"-n {EngineNs} addr add {EngineAddress}/24 dev ike-v0");
        NetworkNamespace.Run("ip", $"-n {CharonNs} addr add {CharonAddress}/24 dev ike-v1");
        NetworkNamespace.Run("ip", $"-n {EngineNs} link set ike-v0 up");
        NetworkNamespace.Run("ip", $"-n {CharonNs} link set ike-v1 up");
        // kernel-libipsec installs a route for the local selector and needs a local address inside it.
        NetworkNamespace.Run("ip", $"-n {CharonNs} addr add 10.2.0.1/16 dev lo");
    }

    private void WriteConfig(string charonSettings)
    {
        foreach (string d in new[] { "swanctl/conf.d", "swanctl/x509", "swanctl/x509ca", "swanctl/private" })
            Directory.CreateDirectory(Path.Combine(_dir, d));
        File.WriteAllText(Path.Combine(_dir, "strongswan.conf"), $$"""
            charon {
              {{charonSettings}}
              load_modular = no
              load = kdf random nonce openssl aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 x509 {{(_kernelLibipsec ? "kernel-libipsec " : "")}}kernel-netlink socket-default vici updown
              filelog {
                peerlog {
                  path = {{LogPath}}
                  flush_line = yes
                  default = 1
                  ike = 2
                  chd = 4
                  cfg = 2
                }
              }
              plugins {
                vici {
                  socket = {{Vici}}
                }
              }
            }
            """);
        const string ike = "aes256gcm16-prfsha256-curve25519, aes128-sha256-modp2048, chacha20poly1305-prfsha512-ecp384, aes256-sha384-ecp521, aes128gcm16-prfsha384-ecp256, aes256-sha512-curve25519";
        const string esp = "aes256gcm16, aes128-sha256, chacha20poly1305, aes256-sha384, aes256-sha512, aes128gcm16, aes256gcm16-ecp256";
        File.WriteAllText(Path.Combine(_dir, "swanctl/swanctl.conf"), $$"""
            connections {
              box {
                local_addrs = {{CharonAddress}}
                remote_addrs = {{EngineAddress}}
                proposals = {{ike}}
                local { auth = psk
                        id = b.example.com }
                remote { auth = psk
                         id = a.example.com }
                children { net { local_ts = 10.2.0.0/16
                                 remote_ts = 10.1.0.0/16
                                 esp_proposals = {{esp}} } }
              }
              fast {
                local_addrs = {{CharonAddress}}
                remote_addrs = {{EngineAddress}}
                proposals = {{ike}}
                rekey_time = 9s
                over_time = 60s
                rand_time = 2s
                local { auth = psk
                        id = b.example.com }
                remote { auth = psk
                         id = fast.example.com }
                children { fastnet { local_ts = 10.2.0.0/16
                                     remote_ts = 10.1.0.0/16
                                     rekey_time = 5s
                                     life_time = 60s
                                     rand_time = 1s
                                     esp_proposals = {{esp}} } }
              }
              ah {
                local_addrs = {{CharonAddress}}
                remote_addrs = {{EngineAddress}}
                proposals = {{ike}}
                local { auth = psk
                        id = b.example.com }
                remote { auth = psk
                         id = ah.example.com }
                children { ahnet { local_ts = 10.2.0.0/16
                                   remote_ts = 10.1.0.0/16
                                   ah_proposals = sha256 } }
              }
              wrongpsk {
                local_addrs = {{CharonAddress}}
                remote_addrs = {{EngineAddress}}
                proposals = {{ike}}
                local { auth = psk
                        id = b.example.com }
                remote { auth = psk
                         id = liar.example.com }
                children { net2 { local_ts = 10.2.0.0/16
                                  remote_ts = 10.1.0.0/16
                                  esp_proposals = {{esp}} } }
              }
            }
            secrets {
              ike-box { id-1 = a.example.com
                        id-2 = b.example.com
                        secret = "{{Psk}}" }
              ike-fast { id-1 = fast.example.com
                         id-2 = b.example.com
                         secret = "{{Psk}}" }
              ike-ah { id-1 = ah.example.com
                       id-2 = b.example.com
                       secret = "{{Psk}}" }
              ike-liar { id-1 = liar.example.com
                         secret = "not-the-secret-the-liar-uses" }
            }
            """);
    }

    public string Swanctl(string args) => NetworkNamespace.Run("ip", $"netns exec {CharonNs} swanctl {args} --uri {Vici}", check: false);

    /// <summary>The four Child SA keys charon logged (hex, initiator/responder order) before it installed SPI <paramref name="spi"/>.</summary>
    public (string EncI, string EncR, string IntegI, string IntegR) ChildKeys(uint spi)
    {
        string spiHex = spi.ToString("x8", CultureInfo.InvariantCulture);
        string[] lines = [];
        int end = -1;
        for (int attempt = 0; attempt < 50 && end < 0; attempt++)
        {
            if (attempt > 0)
                Thread.Sleep(100); // charon writes its log from its own threads
            lines = File.ReadAllLines(LogPath);
            end = Array.FindIndex(lines, l => l.Contains($"SPI 0x{spiHex}", StringComparison.Ordinal));
        }
        Assert.True(end >= 0, $"charon never installed SPI {spiHex}");
        var keys = new Dictionary<string, string>();
        for (int i = 0; i < end; i++)
        {
            Match m = KeyLine().Match(lines[i]);
            if (!m.Success)
                continue;
            int n = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var hex = new System.Text.StringBuilder();
            for (int j = i + 1; j < lines.Length && hex.Length < 2 * n; j++)
            {
                Match d = DumpLine().Match(lines[j]);
                if (!d.Success) break;
                hex.Append(d.Groups[1].Value.Replace(" ", "", StringComparison.Ordinal));
            }
            keys[$"{m.Groups[1].Value} {m.Groups[2].Value}"] = hex.ToString();
        }
        return (keys.GetValueOrDefault("encryption initiator", ""), keys.GetValueOrDefault("encryption responder", ""),
            keys.GetValueOrDefault("integrity initiator", ""), keys.GetValueOrDefault("integrity responder", ""));
    }

    [GeneratedRegex(@"(encryption|integrity) (initiator|responder) key => (\d+) bytes")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"\[CHD\]\s+\d+: ((?:[0-9A-F]{2} ){1,16})")]
    private static partial Regex DumpLine();

    public void Dispose()
    {
        try
        {
            if (_charon is { HasExited: false })
            {
                _charon.Kill(entireProcessTree: true);
                _charon.WaitForExit(5000);
            }
        }
        finally
        {
            NetworkNamespace.Run("ip", $"netns del {EngineNs}", check: false);
            NetworkNamespace.Run("ip", $"netns del {CharonNs}", check: false);
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// Debian's strongSwan charon running inside a namespace with a private /run and its own vici socket
/// (../shared/TESTING.md §3). kernel-libipsec gives it user-space ESP over a TUN device, so its ESP
/// is always UDP-encapsulated.
/// </summary>
public sealed class StrongSwanPeer : IDisposable
{
    private readonly Process _charon;
    private readonly StringBuilder _log = new();

    /// <param name="prepare">Called with <see cref="Directory"/> before charon starts, e.g. to put certificates and keys into
    /// its x509, x509ca and ecdsa folders (swanctl looks for them next to swanctl.conf).</param>
    /// <param name="charonSettings">Extra lines for strongswan.conf's charon section, e.g. "fragment_size = 576".</param>
    /// <param name="extraPlugins">Plugins loaded besides the usual ones, e.g. "eap-identity eap-mschapv2" for a road warrior.</param>
    public StrongSwanPeer(string ns, string swanctlConf, Action<string>? prepare = null, string charonSettings = "", string extraPlugins = "")
    {
        Namespace = ns;
        Directory = System.IO.Directory.CreateTempSubdirectory("appliance-swan-").FullName;
        File.WriteAllText(Path.Combine(Directory, "strongswan.conf"), StrongSwanConf(Directory, charonSettings, extraPlugins));
        File.WriteAllText(Path.Combine(Directory, "swanctl.conf"), swanctlConf);
        prepare?.Invoke(Directory);
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["netns", "exec", ns, "unshare", "-m", "sh", "-c",
                     $"mount -t tmpfs none /run && STRONGSWAN_CONF={Directory}/strongswan.conf exec /usr/lib/ipsec/charon"])
            psi.ArgumentList.Add(a);
        _charon = Process.Start(psi)!;
        _charon.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        _charon.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        _charon.BeginOutputReadLine();
        _charon.BeginErrorReadLine();
        if (!Shell.WaitUntil(() => File.Exists(Path.Combine(Directory, "vici.sock")), TimeSpan.FromSeconds(15)))
            throw new InvalidOperationException("charon did not start: " + Log);
        Swanctl("--load-all", "--file", Path.Combine(Directory, "swanctl.conf"));
    }

    public string Namespace { get; }
    public string Directory { get; }

    public string Log { get { lock (_log) return _log.ToString(); } }

    public string Swanctl(params string[] args)
    {
        var r = Shell.Run("swanctl", [.. args, "--uri", $"unix://{Directory}/vici.sock"], TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"swanctl {string.Join(' ', args)} failed: {r.All}\ncharon log:\n{Log}");
        return r.StdOut;
    }

    /// <summary>swanctl --initiate; returns its output and whether it reported success.</summary>
    public Shell.Result TryInitiate(string child, int timeoutSeconds = 20) =>
        Shell.Run("swanctl", ["--initiate", "--child", child, "--timeout", timeoutSeconds.ToString(), "--uri", $"unix://{Directory}/vici.sock"],
            TimeSpan.FromSeconds(timeoutSeconds + 10));

    public string ListSas() => Swanctl("--list-sas");

    private static string StrongSwanConf(string dir, string extra, string extraPlugins) => $$"""
        charon {
          {{extra}}
          load_modular = no
          # openssl first: strongSwan at its best (TESTING.md §3); kdf is needed by 5.9.8 for prf+.
          load = random nonce openssl kdf aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 x509 kernel-libipsec kernel-netlink socket-default vici updown {{extraPlugins}}
          install_routes = yes
          retransmit_tries = 3
          retransmit_timeout = 1.0
          retransmit_base = 1.4
          plugins {
            vici { socket = unix://{{dir}}/vici.sock }
          }
          filelog {
            stderr { default = 1
              ike = 2
              cfg = 2
              time_format = %H:%M:%S
            }
          }
        }
        """;

    private bool _disposed;

    /// <summary>Kills charon (SIGKILL: no DELETE goes out, as when a laptop dies); safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { if (!_charon.HasExited) _charon.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _charon.WaitForExit(5000);
        _charon.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

using Microsoft.Extensions.Logging;
using static Appliance.Provisioning.ProtocolReplies;

namespace Appliance.Provisioning;

// HELP, INFO, TEST, LOCK.
public sealed partial class ProvisioningSession
{
    private static readonly string[] HelpText =
    [
        "HELLO                      banner: protocol version, serial number, firmware",
        "INFO                       identity, MACs, key and certificate, lock state",
        "GET <key>                  a setting (secrets answer <set> or <unset>)",
        "SET <key> <value>          stage a setting, e.g. SET Appliance:Tunnels:hq:RemoteAddress 10.99.0.2",
        "SET <list-key> <a>,<b>     stage a whole list, e.g. SET Appliance:Tunnels:hq:LocalTs 192.168.1.0/24",
        "UNSET <key>                stage removal of a setting or list",
        "COMMIT                     validate and write the factory configuration",
        "ABORT                      drop staged changes",
        "KEYGEN [ecdsa-p256|ed25519] [--force]  generate the device key on the box",
        "CSR <subject>              PKCS#10 request signed by the device key, e.g. CSR CN=branch1.example.com",
        "CERT                       then a PEM CERTIFICATE block: the device certificate",
        "CACERT                     then a PEM CERTIFICATE block: the CA certificate",
        "TEST LEDS|BUTTON|CRYPTO    hardware checks",
        "USER ADD <name> <password> a remote-access user (only its NT hash is kept; the password is never shown)",
        "USER DEL <name>            delete a remote-access user",
        "USER LIST                  the remote-access users' names",
        "LOCK                       refuse everything but HELLO and INFO until the button is held at power-up",
    ];

    private static void Help(List<string> reply)
    {
        reply.AddRange(HelpText);
        reply.Add(Ok("HELP"));
    }

    private void Info(List<string> reply)
    {
        reply.Add("serial-number: " + _hardware.SerialNumber);
        reply.Add("board: " + _hardware.BoardName);
        reply.Add("firmware: " + _options.FirmwareVersion);
        foreach (var (nic, mac) in _hardware.Macs) reply.Add($"mac: {nic} {mac}");
        string? keyPem = _store.ReadDeviceKey();
        string? keyAlgorithm = keyPem is null ? null : DeviceIdentity.DescribeKey(keyPem);
        reply.Add("key: " + (keyPem is null ? "none" : keyAlgorithm ?? "unreadable"));
        reply.Add("certificate: " + DescribeCertificate(_store.ReadDeviceCertificate()));
        reply.Add("ca-certificate: " + DescribeCertificate(_store.ReadCaCertificate()));
        reply.Add("factory-configuration: " + (_factoryProblem ?? (_store.ReadFactoryConfiguration() is null ? "none" : "present")));
        reply.Add("pending-changes: " + _draft.PendingChanges);
        reply.Add("locked: " + (_store.IsLocked ? "yes" : "no"));
        reply.Add("provisioning-mode: " + (_options.ProvisioningMode ? "yes" : "no"));
        reply.Add(Ok("INFO"));
    }

    private static string DescribeCertificate(string? pem)
    {
        if (pem is null) return "none";
        using var certificate = DeviceIdentity.LoadCertificatePem(pem);
        return certificate is null ? "unreadable" : DeviceIdentity.Summarize(certificate);
    }

    private async Task TestAsync(string args, List<string> reply, CancellationToken cancellationToken)
    {
        switch (args.Trim().ToUpperInvariant())
        {
            case "LEDS":
                await _hardware.WalkLedsAsync(cancellationToken).ConfigureAwait(false);
                reply.Add(Ok("LEDS walked"));
                break;
            case "BUTTON":
                bool pressed = await _hardware.WaitForButtonAsync(_options.ButtonTimeout, cancellationToken).ConfigureAwait(false);
                reply.Add(pressed
                    ? Ok("BUTTON pressed")
                    : Err(TimedOut, $"button not pressed within {_options.ButtonTimeout.TotalSeconds:0} s"));
                break;
            case "CRYPTO":
                var results = _hardware.RunCryptoSelfTest();
                foreach (var (name, passed) in results) reply.Add($"crypto {name}: {(passed ? "pass" : "FAIL")}");
                int failed = results.Count(r => !r.Passed);
                if (failed > 0) _logger.LogError("Provisioning crypto self-test: {Failed} of {Total} failed", failed, results.Count);
                reply.Add(results.Count == 0 ? Err(InternalError, "no crypto self-test ran")
                    : failed == 0 ? Ok($"CRYPTO {results.Count} passed")
                    : Err(InternalError, $"CRYPTO {failed} of {results.Count} failed"));
                break;
            default:
                reply.Add(Err(BadRequest, "usage: TEST LEDS|BUTTON|CRYPTO"));
                break;
        }
    }

    private void Lock(List<string> reply)
    {
        if (_draft.PendingChanges > 0)
        {
            reply.Add(Err(Conflict, "uncommitted changes: COMMIT or ABORT first"));
            return;
        }
        _store.Lock();
        _locked = true;
        _logger.LogInformation("Provisioning locked");
        reply.Add(Ok("locked"));
    }
}

using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using static Appliance.Provisioning.ProtocolReplies;

namespace Appliance.Provisioning;

// KEYGEN, CSR, CERT, CACERT: the device identity. Identity files are written as soon as each step
// succeeds (a CSR that left the box must stay answerable by its key); only settings wait for COMMIT.
public sealed partial class ProvisioningSession
{
    private bool _pemIsCa;

    private void Keygen(string args, List<string> reply)
    {
        string algorithm = DeviceIdentity.EcdsaP256;
        bool force = false;
        foreach (string word in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string lower = word.ToLowerInvariant();
            if (lower == "--force") force = true;
            else if (lower is DeviceIdentity.EcdsaP256 or DeviceIdentity.Ed25519) algorithm = lower;
            else
            {
                reply.Add(Err(BadRequest, "usage: KEYGEN [ecdsa-p256|ed25519] [--force]"));
                return;
            }
        }
        if (algorithm == DeviceIdentity.Ed25519 && !DeviceIdentity.IsEd25519Supported)
        {
            reply.Add(Err(NotImplemented, "ed25519 not supported: libcrypto 3 with Ed25519 not found; use ecdsa-p256"));
            return;
        }
        if (_store.ReadDeviceKey() is not null && !force)
        {
            reply.Add(Err(Conflict, "device key exists (KEYGEN --force replaces it)"));
            return;
        }
        string keyPem = algorithm == DeviceIdentity.Ed25519 ? DeviceIdentity.GenerateEd25519() : DeviceIdentity.GenerateEcdsaP256();
        _store.WriteDeviceKey(keyPem);
        // A certificate for the old key would now be a lie.
        if (_store.ReadDeviceCertificate() is not null) _store.DeleteDeviceCertificate();
        string fingerprint = DeviceIdentity.PublicKeyFingerprint(keyPem);
        _logger.LogInformation("Provisioning generated device key {Algorithm}, public key sha256 {Fingerprint}", algorithm, fingerprint);
        reply.Add(Ok($"key {algorithm} spki-sha256={fingerprint}"));
    }

    private void Csr(string subjectText, List<string> reply)
    {
        string? keyPem = _store.ReadDeviceKey();
        if (keyPem is null)
        {
            reply.Add(Err(NotFound, "no device key (KEYGEN first)"));
            return;
        }
        X500DistinguishedName? subject = subjectText.Length == 0 ? null : DeviceIdentity.ParseSubject(subjectText);
        if (subject is null)
        {
            reply.Add(Err(BadRequest, "usage: CSR <subject>, e.g. CSR CN=branch1.example.com, O=Example"));
            return;
        }
        string pem = DeviceIdentity.CreateSigningRequest(keyPem, subject);
        reply.AddRange(pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        _logger.LogInformation("Provisioning created CSR for {Subject}", subject.Name);
        reply.Add(Ok("CSR " + subject.Name));
    }

    private void BeginPem(string label, bool isCa, string args, List<string> reply)
    {
        if (args.Length != 0)
        {
            reply.Add(Err(BadRequest, (isCa ? "CACERT" : "CERT") + " takes no argument; the PEM block follows on its own lines"));
            return;
        }
        _pem = new PemCollector(label, _time.GetUtcNow() + _options.PemTimeout);
        _pemIsCa = isCa;
    }

    /// <summary>True if the line was consumed by the PEM block; false if it interrupted it and is a command.</summary>
    private bool HandlePemLine(string line, List<string> reply)
    {
        PemCollector pem = _pem!;
        switch (pem.Add(line))
        {
            case PemCollector.Step.Continue:
                return true;
            case PemCollector.Step.Interrupted:
                reply.Add(AbandonPem("incomplete PEM block abandoned"));
                return false;
            case PemCollector.Step.Invalid:
                reply.Add(AbandonPem("malformed PEM block"));
                return true;
        }
        _pem = null;
        byte[]? der = pem.Decode();
        X509Certificate2? certificate = der is null ? null : DeviceIdentity.LoadCertificate(der);
        if (certificate is null)
        {
            reply.Add(Err(BadRequest, "not a certificate"));
            return true;
        }
        using (certificate)
        {
            try
            {
                reply.Add(_pemIsCa ? InstallCaCertificate(certificate) : InstallDeviceCertificate(certificate));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                _logger.LogError("Provisioning could not store the certificate: {Type}: {Message}", e.GetType().Name, e.Message);
                reply.Add(Err(InternalError, "internal error: " + e.GetType().Name));
            }
        }
        return true;
    }

    private string InstallDeviceCertificate(X509Certificate2 certificate)
    {
        string? keyPem = _store.ReadDeviceKey();
        if (keyPem is null) return Err(Conflict, "no device key (KEYGEN first)");
        if (!DeviceIdentity.MatchesKey(certificate, keyPem))
        {
            _logger.LogWarning("Provisioning refused a certificate that does not match the device key: {Subject}", certificate.Subject);
            return Err(Conflict, "certificate does not match the device key");
        }
        string? caPem = _store.ReadCaCertificate();
        if (caPem is not null)
        {
            using X509Certificate2? ca = DeviceIdentity.LoadCertificatePem(caPem);
            string? problem = ca is null ? "stored CA certificate unreadable" : DeviceIdentity.CheckChain(certificate, ca);
            if (problem is not null)
            {
                _logger.LogWarning("Provisioning refused certificate {Subject}: {Problem}", certificate.Subject, problem);
                return Err(Conflict, "certificate " + problem);
            }
        }
        _store.WriteDeviceCertificate(certificate.ExportCertificatePem() + "\n");
        _logger.LogInformation("Provisioning installed device certificate {Summary}", DeviceIdentity.Summarize(certificate));
        return Ok("certificate installed " + DeviceIdentity.Summarize(certificate));
    }

    private string InstallCaCertificate(X509Certificate2 ca)
    {
        if (!DeviceIdentity.IsCertificateAuthority(ca)) return Err(Conflict, "not a CA certificate (basicConstraints cA missing)");
        string? devicePem = _store.ReadDeviceCertificate();
        if (devicePem is not null)
        {
            using X509Certificate2? device = DeviceIdentity.LoadCertificatePem(devicePem);
            string? problem = device is null ? null : DeviceIdentity.CheckChain(device, ca);
            if (problem is not null)
            {
                _logger.LogWarning("Provisioning refused CA certificate {Subject}: device certificate {Problem}", ca.Subject, problem);
                return Err(Conflict, "the installed device certificate " + problem);
            }
        }
        _store.WriteCaCertificate(ca.ExportCertificatePem() + "\n");
        _logger.LogInformation("Provisioning installed CA certificate {Summary}", DeviceIdentity.Summarize(ca));
        return Ok("CA certificate installed " + DeviceIdentity.Summarize(ca));
    }

    private string AbandonPem(string reason)
    {
        _logger.LogWarning("Provisioning {Label} block abandoned: {Reason}", _pem?.Label, reason);
        _pem = null;
        return Err(reason.Contains("time") ? TimedOut : BadRequest, reason);
    }
}

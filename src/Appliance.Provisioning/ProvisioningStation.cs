using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Provisioning;

/// <summary>
/// The factory PC's side: drives HELLO, INFO, the profile's settings, KEYGEN, CSR, CACERT/CERT, the
/// hardware tests, COMMIT and LOCK over an open port, reporting each step, and stops at the first
/// step the box refuses.
/// </summary>
public static class ProvisioningStation
{
    public const int ExitSuccess = 0;
    /// <summary>The box answered ERR to a step (or the box is locked).</summary>
    public const int ExitStepFailed = 1;
    /// <summary>Options, profile or certificate files are wrong; nothing was sent.</summary>
    public const int ExitUsage = 2;
    /// <summary>The box did not answer or the port closed.</summary>
    public const int ExitNoAnswer = 3;

    public static async Task<int> RunAsync(StationOptions options, Stream port, TextWriter progress, CancellationToken cancellationToken)
    {
        StationProfile profile;
        List<string> certificates, caCertificates;
        try
        {
            profile = StationProfile.Parse(await File.ReadAllTextAsync(options.ProfilePath, cancellationToken).ConfigureAwait(false));
            certificates = options.CertificatePath is null ? [] : ReadCertificates(options.CertificatePath);
            caCertificates = options.CaCertificatePath is null ? [] : ReadCertificates(options.CaCertificatePath);
            if (options.KeyAlgorithm is not (DeviceIdentity.EcdsaP256 or DeviceIdentity.Ed25519))
                throw new FormatException($"key algorithm must be {DeviceIdentity.EcdsaP256} or {DeviceIdentity.Ed25519}");
            if (options.CertificatePath is not null && certificates.Count == 0)
                throw new FormatException($"{options.CertificatePath}: no CERTIFICATE block");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            await progress.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitUsage;
        }
        // The CA may be appended to the device certificate in the same file.
        if (caCertificates.Count == 0 && certificates.Count > 1) caCertificates.Add(certificates[^1]);

        await using var link = new StationLink(port);
        var run = new StationRun(options, profile, link, progress, cancellationToken);
        try
        {
            return await run.ExecuteAsync(certificates.FirstOrDefault(), caCertificates.FirstOrDefault()).ConfigureAwait(false);
        }
        catch (StationLinkException e)
        {
            await progress.WriteLineAsync($"FAILED at {run.CurrentStep}: {e.Message}").ConfigureAwait(false);
            return ExitNoAnswer;
        }
    }

    private static List<string> ReadCertificates(string path)
    {
        string text = File.ReadAllText(path);
        var blocks = new List<string>();
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                string pem = rest[fields.Location].ToString();
                try { using var _ = X509Certificate2.CreateFromPem(pem); }
                catch (CryptographicException) { throw new FormatException($"{path}: a CERTIFICATE block does not parse"); }
                blocks.Add(pem);
            }
            rest = rest[fields.Location.End..];
        }
        return blocks;
    }
}

using System.Text;

namespace Appliance.Provisioning;

/// <summary>One provisioning run of the station, step by step.</summary>
internal sealed class StationRun
{
    private readonly StationOptions _options;
    private readonly StationProfile _profile;
    private readonly StationLink _link;
    private readonly TextWriter _progress;
    private readonly CancellationToken _cancellationToken;

    public StationRun(StationOptions options, StationProfile profile, StationLink link, TextWriter progress, CancellationToken cancellationToken)
    {
        _options = options;
        _profile = profile;
        _link = link;
        _progress = progress;
        _cancellationToken = cancellationToken;
    }

    public string CurrentStep { get; private set; } = "HELLO";

    public async Task<int> ExecuteAsync(string? certificatePem, string? caCertificatePem)
    {
        CurrentStep = "HELLO";
        string banner = await _link.SyncAsync(_options.ReplyTimeout, _cancellationToken).ConfigureAwait(false);
        string[] bannerWords = banner.Split(' ');
        if (bannerWords.Length < 4 || bannerWords[1] != ProtocolReplies.ProtocolVersion.ToString())
            return await FailAsync("HELLO", "unsupported protocol: " + banner).ConfigureAwait(false);
        string serial = bannerWords[2];
        await Report("HELLO", $"serial {serial}, firmware {bannerWords[3]}").ConfigureAwait(false);

        StationReply? info = await StepAsync("INFO", "INFO").ConfigureAwait(false);
        if (info is null) return ProvisioningStation.ExitStepFailed;
        if (InfoValue(info, "locked") == "yes" && InfoValue(info, "provisioning-mode") != "yes")
            return await FailAsync("INFO", "box is locked (hold the reset button at power-up to reopen provisioning)").ConfigureAwait(false);

        // Changes a cut-off earlier run staged are not ours to commit.
        if (await StepAsync("ABORT", "ABORT").ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;

        foreach (StationProfile.Command command in _profile.Commands)
            if (await StepAsync(command.Line, command.Display).ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;

        bool hasKey = InfoValue(info, "key") is { } key && key != "none";
        bool hasCertificate = InfoValue(info, "certificate") is { } c && c != "none";
        if (!hasKey || _options.ForceKeygen)
        {
            string command = "KEYGEN " + _options.KeyAlgorithm + (_options.ForceKeygen ? " --force" : "");
            if (await StepAsync(command, command).ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;
            hasCertificate = false;
        }

        if (_options.CsrOutDirectory is not null && !await RequestCsrAsync(serial).ConfigureAwait(false))
            return ProvisioningStation.ExitStepFailed;

        if (caCertificatePem is not null && await SendPemAsync("CACERT", caCertificatePem).ConfigureAwait(false) is null)
            return ProvisioningStation.ExitStepFailed;
        if (certificatePem is not null)
        {
            if (await SendPemAsync("CERT", certificatePem).ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;
            hasCertificate = true;
        }

        if (await StepAsync("TEST CRYPTO", "TEST CRYPTO").ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;
        if (_options.TestLeds && await StepAsync("TEST LEDS", "TEST LEDS (watch the LEDs)").ConfigureAwait(false) is null)
            return ProvisioningStation.ExitStepFailed;
        if (_options.TestButton)
        {
            await _progress.WriteLineAsync("TEST BUTTON: press the reset button now").ConfigureAwait(false);
            if (await StepAsync("TEST BUTTON", "TEST BUTTON", _options.ReplyTimeout + TimeSpan.FromSeconds(60)).ConfigureAwait(false) is null)
                return ProvisioningStation.ExitStepFailed;
        }

        if (_profile.NeedsCertificate && !hasCertificate)
        {
            // The CSR goes to the CA first; a second run with --cert installs it and commits.
            if (_options.Lock) return await FailAsync("LOCK", "profile uses Auth cert but the box has no certificate yet (pass --cert)").ConfigureAwait(false);
            await _progress.WriteLineAsync("COMMIT deferred: profile uses Auth cert; run again with --cert once the CSR is signed").ConfigureAwait(false);
            await _link.CommandAsync("ABORT", _options.ReplyTimeout, _cancellationToken).ConfigureAwait(false);
            return ProvisioningStation.ExitSuccess;
        }
        if (await StepAsync("COMMIT", "COMMIT").ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;
        if (_options.Lock && await StepAsync("LOCK", "LOCK").ConfigureAwait(false) is null) return ProvisioningStation.ExitStepFailed;
        await _progress.WriteLineAsync($"done: {serial} provisioned{(_options.Lock ? " and locked" : "")}").ConfigureAwait(false);
        return ProvisioningStation.ExitSuccess;
    }

    private async Task<bool> RequestCsrAsync(string serial)
    {
        string subject = _options.CsrSubject ?? "CN=" + (_profile.FirstLocalId ?? serial);
        StationReply? reply = await StepAsync("CSR " + subject, "CSR " + subject).ConfigureAwait(false);
        if (reply is null) return false;
        string pem = string.Join('\n', reply.Data) + "\n";
        if (!pem.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal))
        {
            await FailAsync("CSR", "reply holds no CERTIFICATE REQUEST").ConfigureAwait(false);
            return false;
        }
        string path = Path.Combine(_options.CsrOutDirectory!, SafeFileName(serial) + ".csr");
        try
        {
            Directory.CreateDirectory(_options.CsrOutDirectory!);
            await File.WriteAllTextAsync(path, pem, _cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await FailAsync("CSR", $"cannot write {path}: {e.Message}").ConfigureAwait(false);
            return false;
        }
        await _progress.WriteLineAsync("CSR written to " + path).ConfigureAwait(false);
        return true;
    }

    private Task<StationReply?> SendPemAsync(string command, string pem)
    {
        string[] lines = pem.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return StepAsync(command, command + " (" + lines.Length + " PEM lines)", null, lines);
    }

    /// <summary>Runs one command; reports it; null (after reporting the box's error) if refused.</summary>
    private async Task<StationReply?> StepAsync(string command, string display, TimeSpan? timeout = null, IReadOnlyList<string>? following = null)
    {
        CurrentStep = display;
        StationReply reply = await _link.CommandAsync(command, timeout ?? _options.ReplyTimeout, _cancellationToken, following).ConfigureAwait(false);
        if (!reply.Ok)
        {
            foreach (string line in reply.Data) await _progress.WriteLineAsync("  " + line).ConfigureAwait(false);
            await FailAsync(display, reply.ToString()).ConfigureAwait(false);
            return null;
        }
        await Report(display, reply.Text).ConfigureAwait(false);
        return reply;
    }

    private Task Report(string step, string detail) => _progress.WriteLineAsync($"{step}: ok {detail}".TrimEnd());

    private async Task<int> FailAsync(string step, string message)
    {
        await _progress.WriteLineAsync($"FAILED at {step}: {message}").ConfigureAwait(false);
        return ProvisioningStation.ExitStepFailed;
    }

    private static string? InfoValue(StationReply info, string name)
    {
        string prefix = name + ": ";
        return info.Data.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]).FirstOrDefault();
    }

    private static string SafeFileName(string serial)
    {
        var name = new StringBuilder();
        foreach (char c in serial) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return name.Length == 0 || name.ToString().Trim('.').Length == 0 ? "unknown" : name.ToString();
    }
}

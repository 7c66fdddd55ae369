using System.Text.Json;
using Microsoft.Extensions.Logging;
using static Appliance.Provisioning.ProtocolReplies;

namespace Appliance.Provisioning;

/// <summary>
/// The provisioning command language: a line in, reply lines out. Owns no port and reads no clock;
/// storage and hardware come in through interfaces, time through <see cref="TimeProvider"/>.
/// Not thread-safe: one transport drives it. Nothing the operator types is echoed back or logged
/// except command verbs and keys the schema knows, so a mistyped secret cannot leak.
/// </summary>
public sealed partial class ProvisioningSession
{
    private readonly IProvisioningHardware _hardware;
    private readonly IProvisioningStore _store;
    private readonly ProvisioningSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SettingsDraft _draft = new();
    private PemCollector? _pem;
    private bool _locked;
    private string? _factoryProblem;

    public ProvisioningSession(IProvisioningHardware hardware, IProvisioningStore store, ProvisioningSessionOptions options,
        TimeProvider time, ILogger logger)
    {
        _hardware = hardware;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _locked = store.IsLocked && !options.ProvisioningMode;
        LoadCommitted();
    }

    public bool IsLocked => _locked;

    /// <summary>True while a CERT/CACERT PEM block is being received.</summary>
    public bool IsReceivingPem => _pem is not null;

    public string Banner => ProtocolReplies.Banner(_hardware.SerialNumber, _options.FirmwareVersion);

    /// <summary>A peer (re)connected: greet it. A PEM block cut off by the disconnect is dropped.</summary>
    public IReadOnlyList<string> Connect()
    {
        var reply = new List<string>();
        if (_pem is not null) reply.Add(AbandonPem("incomplete PEM dropped on reconnect"));
        reply.Add(Banner);
        return reply;
    }

    /// <summary>The peer went away mid-conversation; a half-received PEM block is discarded.</summary>
    public void Disconnect()
    {
        if (_pem is null) return;
        _logger.LogWarning("Provisioning link lost while receiving {Label}; block discarded", _pem.Label);
        _pem = null;
    }

    /// <summary>Called periodically: abandons a PEM block whose deadline passed.</summary>
    public IReadOnlyList<string> Poll() =>
        _pem is not null && _time.GetUtcNow() >= _pem.Deadline ? [AbandonPem("PEM not completed in time")] : [];

    public Task<IReadOnlyList<string>> HandleLineAsync(string line, CancellationToken cancellationToken = default) =>
        HandleAsync(new LineEvent(line, LineFault.None), cancellationToken);

    public async Task<IReadOnlyList<string>> HandleAsync(LineEvent input, CancellationToken cancellationToken = default)
    {
        var reply = new List<string>();
        if (input.Fault != LineFault.None)
        {
            if (_pem is not null) reply.Add(AbandonPem("PEM interrupted by a bad line"));
            reply.Add(input.Fault == LineFault.TooLong
                ? Err(LineTooLong, "line too long")
                : Err(BadRequest, "line holds non-printable bytes (wrong baud rate?)"));
            _logger.LogWarning("Provisioning line rejected: {Fault}", input.Fault);
            return reply;
        }
        string line = input.Line;
        if (_pem is not null)
        {
            if (_time.GetUtcNow() >= _pem.Deadline) reply.Add(AbandonPem("PEM not completed in time"));
            else if (HandlePemLine(line, reply)) return reply;
        }
        if (line.Trim().Length == 0) return reply;
        try
        {
            await DispatchAsync(line, reply, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // Storage or hardware failed; the exception text names files, never values.
            _logger.LogError("Provisioning command failed: {Type}: {Message}", e.GetType().Name, e.Message);
            reply.Add(Err(InternalError, "internal error: " + e.GetType().Name));
            LoadCommitted(keepWorking: true);
        }
        return reply;
    }

    private async Task DispatchAsync(string line, List<string> reply, CancellationToken cancellationToken)
    {
        var (verb, rest) = SplitFirst(line.Trim());
        verb = verb.ToUpperInvariant();
        if (!IsKnownVerb(verb))
        {
            _logger.LogInformation("Provisioning: unknown command");
            reply.Add(Err(BadRequest, "unknown command (try HELP)"));
            return;
        }
        _logger.LogInformation("Provisioning command {Verb}", verb);
        if (_locked && verb is not ("HELLO" or "INFO"))
        {
            reply.Add(Err(Locked, "locked"));
            return;
        }
        switch (verb)
        {
            case "HELLO": reply.Add(Ok(Banner)); break;
            case "HELP": Help(reply); break;
            case "INFO": Info(reply); break;
            case "GET": Get(rest, reply); break;
            case "SET": Set(rest, reply); break;
            case "UNSET": Unset(rest, reply); break;
            case "COMMIT": Commit(reply); break;
            case "ABORT": reply.Add(Ok($"aborted {_draft.Abort()} change(s)")); break;
            case "KEYGEN": Keygen(rest, reply); break;
            case "CSR": Csr(rest, reply); break;
            case "CERT": BeginPem("CERTIFICATE", isCa: false, rest, reply); break;
            case "CACERT": BeginPem("CERTIFICATE", isCa: true, rest, reply); break;
            case "TEST": await TestAsync(rest, reply, cancellationToken).ConfigureAwait(false); break;
            case "LOCK": Lock(reply); break;
            case "USER": User(rest, reply); break;
        }
    }

    private static readonly string[] Verbs =
        ["HELLO", "HELP", "INFO", "GET", "SET", "UNSET", "COMMIT", "ABORT", "KEYGEN", "CSR", "CERT", "CACERT", "TEST", "LOCK", "USER"];

    private static bool IsKnownVerb(string verb) => Array.IndexOf(Verbs, verb) >= 0;

    private static (string Head, string Tail) SplitFirst(string text)
    {
        int space = text.IndexOf(' ');
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..].TrimStart(' '));
    }

    /// <summary>Reads factory.json into the draft; a damaged file is reported by INFO, not fatal.</summary>
    private void LoadCommitted(bool keepWorking = false)
    {
        var pending = keepWorking ? _draft.Working.ToList() : null;
        _factoryProblem = null;
        var settings = new List<KeyValuePair<string, string>>();
        try
        {
            string? json = _store.ReadFactoryConfiguration();
            if (json is not null)
                foreach (var (key, value) in SettingsDocument.Flatten(json))
                {
                    if (value is null) continue;
                    string canonical = SettingsSchema.TryResolve(key, out var resolved, out bool whole) && !whole ? resolved.Canonical : key;
                    settings.Add(new(canonical, value));
                }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            _factoryProblem = "unreadable (" + e.GetType().Name + ")";
            _logger.LogWarning("Factory configuration unreadable: {Type}", e.GetType().Name);
        }
        _draft.Load(settings);
        if (pending is not null)
        {
            foreach (var key in _draft.Working.Keys.ToList()) _draft.Unset(key);
            foreach (var (key, value) in pending) _draft.Set(key, value);
        }
    }
}

using Appliance.Common;
using Appliance.Ike;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

/// <summary>
/// The remote-access users the engine checks logins against: Appliance:Users from the configuration, then users.json
/// (`appliance user add`, provisioning's USER ADD). On a name in both, the configuration wins: it is the validated,
/// layered source a factory or operator set on purpose, and `user add` refuses such a name, so a clash only appears
/// when the configuration changed later; it is logged.
/// users.json is read again whenever its time stamp or size changed, checked at each login (a stat per login costs
/// nothing next to the handshake), so a user added or deleted takes effect at the next login without a restart or a
/// message to the service, whoever wrote the file. A damaged file is logged and the last good list kept.
/// </summary>
public sealed class UserDirectory : IEapUserStore
{
    private readonly EapUserStore _configured;
    private readonly IReadOnlySet<string> _configuredNames;
    private readonly UserStoreFile _file;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Dictionary<string, byte[]> _stored = new(StringComparer.OrdinalIgnoreCase);
    private (bool Exists, DateTime Written, long Length) _seen;

    public UserDirectory(EapUserStore configured, IEnumerable<string> configuredNames, UserStoreFile file, ILogger logger)
    {
        _configured = configured;
        _configuredNames = new HashSet<string>(configuredNames, StringComparer.OrdinalIgnoreCase);
        _file = file;
        _logger = logger;
        lock (_gate) Refresh();
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                int count = _configured.Count;
                foreach (string name in _stored.Keys)
                    if (!_configuredNames.Contains(name)) count++;
                return count;
            }
        }
    }

    public byte[]? NtHash(string userName)
    {
        if (_configured.NtHash(userName) is { } hash) return hash;
        lock (_gate)
        {
            Refresh();
            return _stored.TryGetValue(userName, out byte[]? stored) ? stored.ToArray() : null;
        }
    }

    private void Refresh()
    {
        var info = new FileInfo(_file.Path);
        var now = (info.Exists, info.Exists ? info.LastWriteTimeUtc : default, info.Exists ? info.Length : 0);
        if (now == _seen) return;
        _seen = now;
        try
        {
            Dictionary<string, byte[]> users = _file.Read();
            foreach (byte[] old in _stored.Values) Array.Clear(old);
            _stored = users;
            _logger.LogInformation("remote-access users: {Count} in {Path}", users.Count, _file.Path);
            foreach (string name in users.Keys)
                if (_configuredNames.Contains(name))
                    _logger.LogWarning("remote-access user '{User}' is in both Appliance:Users and {Path}: the configuration's password applies",
                        name, _file.Path);
        }
        catch (UserStoreException e)
        {
            _logger.LogError("remote-access users not reloaded, the last good list stays: {Problem}", e.Message);
        }
    }
}

using Microsoft.Extensions.Logging;
using static Appliance.Provisioning.ProtocolReplies;

namespace Appliance.Provisioning;

// GET, SET, UNSET, COMMIT: the configuration draft.
public sealed partial class ProvisioningSession
{
    private const string SecretSet = "<set>";
    private const string SecretUnset = "<unset>";

    private void Get(string args, List<string> reply)
    {
        if (!TryResolveKey(args.Trim(), reply, out var key, out bool wholeList)) return;
        if (wholeList)
        {
            List<string> items = _draft.GetList(key.ListKey);
            reply.Add(items.Count == 0 ? Err(NotFound, key.ListKey + " not set") : Ok(string.Join(',', items)));
            return;
        }
        bool present = _draft.TryGet(key.Canonical, out string value);
        if (key.IsSecret) reply.Add(Ok(present ? SecretSet : SecretUnset));
        else reply.Add(present ? Ok(value) : Err(NotFound, key.Canonical + " not set"));
    }

    private void Set(string args, List<string> reply)
    {
        var (keyText, value) = SplitFirst(args);
        if (!TryResolveKey(keyText, reply, out var key, out bool wholeList)) return;
        if (value.Length == 0)
        {
            reply.Add(Err(BadRequest, "SET needs a value (UNSET removes a key)"));
            return;
        }
        if (wholeList)
        {
            SetList(key, value, reply);
            return;
        }
        string? problem = SettingsSchema.ValidateValue(key.Canonical, value);
        if (problem is not null)
        {
            reply.Add(Err(InvalidValue, key.Canonical + ": " + problem));
            return;
        }
        _draft.Set(key.Canonical, SettingsSchema.Normalize(key.Canonical, value));
        _logger.LogInformation("Provisioning staged {Key}", key.Canonical);
        reply.Add(Ok("staged " + key.Canonical));
    }

    /// <summary>"SET …:LocalTs a,b" replaces the whole list: convenient by hand, one line per list from scripts.</summary>
    private void SetList(SettingsSchema.ValueKey key, string value, List<string> reply)
    {
        string[] items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0 || items.Length > SettingsSchema.MaxListLength)
        {
            reply.Add(Err(InvalidValue, key.ListKey + ": list must have 1 to " + SettingsSchema.MaxListLength + " elements"));
            return;
        }
        for (int i = 0; i < items.Length; i++)
        {
            string? problem = SettingsSchema.ValidateValue(key.ListKey + ":" + i, items[i]);
            if (problem is not null)
            {
                reply.Add(Err(InvalidValue, $"{key.ListKey}:{i}: {problem}"));
                return;
            }
        }
        _draft.UnsetList(key.ListKey);
        for (int i = 0; i < items.Length; i++) _draft.Set(key.ListKey + ":" + i, items[i]);
        _logger.LogInformation("Provisioning staged {Key} ({Count} elements)", key.ListKey, items.Length);
        reply.Add(Ok($"staged {key.ListKey} ({items.Length} elements)"));
    }

    private void Unset(string args, List<string> reply)
    {
        if (!TryResolveKey(args.Trim(), reply, out var key, out bool wholeList)) return;
        bool removed = wholeList ? _draft.UnsetList(key.ListKey) > 0 : _draft.Unset(key.Canonical);
        string name = wholeList ? key.ListKey : key.Canonical;
        _logger.LogInformation("Provisioning unset {Key}", name);
        reply.Add(Ok((removed ? "unset " : "was not set ") + name));
    }

    private void Commit(List<string> reply)
    {
        bool hasKey = _store.ReadDeviceKey() is not null;
        bool hasCertificate = _store.ReadDeviceCertificate() is not null;
        ILayeredConfigurationCheck? layered = _options.LayeredCheck;
        List<SettingError> errors = ConfigurationValidator.Validate(_draft.Working, hasKey, hasCertificate, tunnelRules: layered is null);
        string json = SettingsDocument.ToJson(_draft.Working);
        // Each staged key is well-formed: now judge the configuration the service would actually run with it.
        if (errors.Count == 0 && layered is not null) errors.AddRange(layered.Check(json));
        if (errors.Count > 0)
        {
            foreach (SettingError error in errors.Skip(1)) reply.Add("invalid " + error);
            _logger.LogWarning("Provisioning COMMIT refused: {Count} invalid setting(s), first {Key}", errors.Count, errors[0].Key);
            reply.Add(Err(InvalidValue, errors[0].ToString()));
            return;
        }
        _store.WriteFactoryConfiguration(json);
        _draft.MarkCommitted();
        _factoryProblem = null;
        _logger.LogInformation("Provisioning committed {Count} setting(s)", _draft.Working.Count);
        reply.Add(Ok($"committed {_draft.Working.Count} setting(s)"));
    }

    private static bool TryResolveKey(string text, List<string> reply, out SettingsSchema.ValueKey key, out bool wholeList)
    {
        if (text.Length == 0)
        {
            key = default;
            wholeList = false;
            reply.Add(Err(BadRequest, "key missing"));
            return false;
        }
        if (!SettingsSchema.TryResolve(text, out key, out wholeList))
        {
            // The text is not echoed: it might be a secret typed in the wrong place.
            reply.Add(Err(NotFound, "unknown key"));
            return false;
        }
        return true;
    }
}

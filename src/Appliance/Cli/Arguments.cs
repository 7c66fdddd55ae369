namespace Appliance.Cli;

/// <summary>A command-line mistake: printed with the verb and exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Minimal option reader for `--name value`, `--name=value` and `--flag`.</summary>
public sealed class Arguments
{
    private readonly List<string> _args;

    public Arguments(string[] args) => _args = [.. args];

    public bool Flag(string name)
    {
        int i = _args.IndexOf(name);
        if (i < 0) return false;
        _args.RemoveAt(i);
        return true;
    }

    public string? Option(string name)
    {
        for (int i = 0; i < _args.Count; i++)
        {
            if (_args[i] == name)
            {
                if (i + 1 >= _args.Count) throw new UsageException($"{name} needs a value");
                string value = _args[i + 1];
                _args.RemoveRange(i, 2);
                return value;
            }
            if (_args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                string value = _args[i][(name.Length + 1)..];
                _args.RemoveAt(i);
                return value;
            }
        }
        return null;
    }

    public string Required(string name) => Option(name) ?? throw new UsageException($"{name} is required");

    /// <summary>What no Flag/Option call consumed.</summary>
    public string[] Remaining => [.. _args];

    public void NoneRemaining()
    {
        if (_args.Count > 0) throw new UsageException($"unexpected argument '{_args[0]}'");
    }
}

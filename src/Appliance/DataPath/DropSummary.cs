using Appliance.Linux;

namespace Appliance.DataPath;

/// <summary>
/// The data plane counts every dropped packet and logs none of them one by one (garbage or bad-ICV ESP at line rate
/// would be a log storm). This turns the counters into one line per interval while drops happen: how many, and why.
/// </summary>
public sealed class DropSummary
{
    private Dictionary<DataPlaneDropReason, long> _last = new();

    /// <summary>The line for the drops since the previous call, or null when there were none.</summary>
    public string? Next(IReadOnlyDictionary<DataPlaneDropReason, long> now, TimeSpan interval)
    {
        var parts = new List<string>();
        long total = 0;
        foreach (var (reason, count) in now.OrderBy(r => r.Key))
        {
            long delta = count - _last.GetValueOrDefault(reason);
            if (delta <= 0) continue;
            total += delta;
            parts.Add($"{char.ToLowerInvariant(reason.ToString()[0])}{reason.ToString()[1..]} {delta}");
        }
        _last = new Dictionary<DataPlaneDropReason, long>(now);
        return total == 0 ? null
            : $"data plane dropped {total} packets in the last {interval.TotalSeconds:0} s: {string.Join(", ", parts)}";
    }
}

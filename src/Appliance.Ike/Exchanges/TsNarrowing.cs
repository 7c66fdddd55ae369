namespace Appliance.Ike.Exchanges;

/// <summary>Traffic selector narrowing (RFC 7296 §2.9).</summary>
internal static class TsNarrowing
{
    /// <summary>Every non-empty intersection of a proposed selector with a configured one, duplicates removed.</summary>
    public static List<TrafficSelector> Narrow(IReadOnlyList<TrafficSelector> proposed, IReadOnlyList<TrafficSelector> configured)
    {
        var result = new List<TrafficSelector>();
        foreach (TrafficSelector p in proposed)
            foreach (TrafficSelector c in configured)
                if (p.Intersect(c) is { } ts && !result.Contains(ts))
                    result.Add(ts);
        return result;
    }

    /// <summary>Initiator check: the responder may only narrow, never widen what we proposed.</summary>
    public static bool IsNarrowingOf(IReadOnlyList<TrafficSelector> returned, IReadOnlyList<TrafficSelector> proposed) =>
        returned.Count > 0 && returned.All(r => proposed.Any(r.IsSubsetOf));
}
